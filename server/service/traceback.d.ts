import type { TracebackFrame } from '../../contract/service';
/** Where one run's source came from; agents name session code `<remote-exec-N>` after the run. */
export interface SourceOrigin {
  uri?: string;
  /** 0-based document line of the source's first line. */
  startLine: number;
}
/**
 * The traceback lines that point into code sent from a document, innermost last, with line N of that
 * run's source (1-based) moved to document line `startLine + N - 1` (0-based).
 */
export declare function mapTraceback(traceback: string, origins: (name: string) => SourceOrigin | undefined): TracebackFrame[];
/** The traceback with run names and lines replaced by the document's (1-based, as editors show them). */
export declare function rewriteTraceback(traceback: string, origins: (name: string) => SourceOrigin | undefined): string;
