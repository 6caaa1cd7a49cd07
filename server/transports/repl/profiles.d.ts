/**
 * How to drive one kind of REPL through a terminal: what to type so that a block of code runs whole,
 * prints the start and end markers of markers.ts around its output, and reports failure.
 *
 * Every known profile types the code as short lines that append an encoded piece to a buffer inside the
 * REPL (terminal line disciplines and some REPLs cut lines near 4 KiB), then one line that decodes and
 * runs it. Echo is turned off where the REPL allows it, prompts are set to empty, and whatever the REPL
 * prints between runs (prompts, echoes, results of the helper lines) is dropped by the driver.
 */
export interface ReplProfile {
  /** `python`, `node`, `shell`, `R` or `generic`. */
  readonly kind: string;
  /** The HELLO `language`. */
  readonly language: string;
  /** Environment the REPL starts with (before the spec's own `env:`). */
  readonly env: Record<string, string>;
  /** Lines typed once after start. */
  setup(): string[];
  /** Lines that run `code` between the markers of `tok`. */
  run(code: string, tok: string): string[];
  /** Code whose output is the interpreter's version (run like user code once at start). */
  readonly versionCode?: string;
  /**
   * A line that prints the end marker of `tok` only if that run has not printed it: typed after an
   * interrupt, because some REPLs abandon the rest of the current input on Ctrl-C.
   */
  recover?(tok: string): string;
  /** A line that makes the REPL exit. */
  readonly exitLine: string;
  /** Runs end by exit status (shells): non-zero is a failure. */
  readonly statusIsExitCode?: boolean;
  /** The markers are the REPL's echo of typed lines (generic profile): output includes echoes and prompts. */
  readonly echoMarkers?: boolean;
}
/** The profile for a REPL command line, chosen by the basename of its program. */
export declare function pickProfile(argv: string[]): ReplProfile;
