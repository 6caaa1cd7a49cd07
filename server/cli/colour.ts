/**
 * Whether to colour what goes to `stream`: only a terminal gets ANSI escapes, unless the user says
 * otherwise (https://no-color.org: a non-empty NO_COLOR turns colour off; FORCE_COLOR, as Node and
 * most tools read it, turns it on, except FORCE_COLOR=0).
 */
export function useColour(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stream.isTTY === true;
}

/** `text` in bold (or plain, when `stream` gets no colour). */
export function bold(text: string, stream: NodeJS.WriteStream = process.stdout): string {
  return useColour(stream) ? `\x1b[1m${text}\x1b[0m` : text;
}
