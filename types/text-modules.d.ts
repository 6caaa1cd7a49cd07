// Agent sources are bundled into dist as text by esbuild (loader: text) and shipped over stdin.
declare module '*.py' {
  const source: string;
  export default source;
}
declare module '*/agent.js' {
  const source: string;
  export default source;
}
