/**
 * The markers a REPL prints around each run. The code that prints them builds them from pieces
 * (`'<<RE:' + tok + ':S>>'`), so the REPL's echo of that code never contains a marker itself.
 *
 * Start: `<<RE:tok:S>>`. End: `<<RE:tok:E:status:payload>>` where status is `ok`, `error`, a shell's
 * exit code, or `recovered` (printed by a profile's recover line after the REPL abandoned the run), and payload is empty or `hex(type).hex(message).hex(traceback)` (UTF-8, hex-encoded, so
 * it never holds `>>` or a newline).
 */
export declare const MARK = '<<RE:';
export declare function newToken(): string;
export declare function startMarker(tok: string): string;
export declare function endPrefix(tok: string): string;
export interface RunEnd {
  /** `ok`, `error`, or a shell's exit status. */
  status: string;
  /** `[type, message, traceback]` when the REPL reported an exception. */
  error?: [string, string, string];
}
/** Parses the part of an end marker between its prefix and the closing `>>`. */
export declare function parseEnd(body: string): RunEnd;
/** The length of the longest end of `text` that is a beginning of `marker`: bytes to hold back. */
export declare function partialSuffix(text: string, marker: string): number;
/** Splits a string into pieces of at most `size` characters (REPL input lines stay short). */
export declare function chunks(text: string, size: number): string[];
