// The build bundles `.css` imports as text (scripts/build.js, loader '.css': 'text').
declare module '*.css' {
  const text: string;
  export default text;
}
