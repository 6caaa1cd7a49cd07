import { randomBytes } from 'crypto';

/**
 * The markers a REPL prints around each run. The code that prints them builds them from pieces
 * (`'<<RE:' + tok + ':S>>'`), so the REPL's echo of that code never contains a marker itself.
 *
 * Start: `<<RE:tok:S>>`. End: `<<RE:tok:E:status:payload>>` where status is `ok`, `error`, a shell's
 * exit code, or `recovered` (printed by a profile's recover line after the REPL abandoned the run), and payload is empty or `hex(type).hex(message).hex(traceback)` (UTF-8, hex-encoded, so
 * it never holds `>>` or a newline).
 */
export const MARK = '<<RE:';

export function newToken(): string {
  return randomBytes(6).toString('hex');
}

export function startMarker(tok: string): string {
  return `${MARK}${tok}:S>>`;
}

export function endPrefix(tok: string): string {
  return `${MARK}${tok}:E:`;
}

export interface RunEnd {
  /** `ok`, `error`, or a shell's exit status. */
  status: string;
  /** `[type, message, traceback]` when the REPL reported an exception. */
  error?: [string, string, string];
}

/** Parses the part of an end marker between its prefix and the closing `>>`. */
export function parseEnd(body: string): RunEnd {
  const colon = body.indexOf(':');
  const status = colon < 0 ? body : body.slice(0, colon);
  const payload = colon < 0 ? '' : body.slice(colon + 1);
  if (!payload) return { status };
  const [type = '', message = '', traceback = ''] = payload.split('.').map((h) => Buffer.from(h, 'hex').toString('utf8'));
  return { status, error: [type, message, traceback] };
}

/** The length of the longest end of `text` that is a beginning of `marker`: bytes to hold back. */
export function partialSuffix(text: string, marker: string): number {
  const max = Math.min(text.length, marker.length - 1);
  for (let k = max; k > 0; k--) {
    if (text.endsWith(marker.slice(0, k))) return k;
  }
  return 0;
}

/** Splits a string into pieces of at most `size` characters (REPL input lines stay short). */
export function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
