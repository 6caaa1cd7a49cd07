import type { TracebackFrame } from '../../contract/service';

/** Where one run's source came from; agents name session code `<remote-exec-N>` after the run. */
export interface SourceOrigin {
  uri?: string;
  /** 0-based document line of the source's first line. */
  startLine: number;
}

/** `File "<remote-exec-3>", line N` (Python) and `<remote-exec-3>:N:C` (Node). */
const FRAME_PATTERNS = [/File "(<remote-exec[^"]*>)", line (\d+)/, /(<remote-exec[^>]*>):(\d+)/];

/**
 * The traceback lines that point into code sent from a document, innermost last, with line N of that
 * run's source (1-based) moved to document line `startLine + N - 1` (0-based).
 */
export function mapTraceback(traceback: string, origins: (name: string) => SourceOrigin | undefined): TracebackFrame[] {
  const frames: TracebackFrame[] = [];
  for (const text of traceback.split('\n')) {
    for (const pattern of FRAME_PATTERNS) {
      const match = pattern.exec(text);
      const origin = match ? origins(match[1]) : undefined;
      if (match && origin) {
        frames.push({ uri: origin.uri, line: origin.startLine + Number(match[2]) - 1, text: text.trim() });
        break;
      }
    }
  }
  return frames;
}

/** The traceback with run names and lines replaced by the document's (1-based, as editors show them). */
export function rewriteTraceback(traceback: string, origins: (name: string) => SourceOrigin | undefined): string {
  const label = (name: string, n: string, format: (file: string, line: number) => string, whole: string) => {
    const origin = origins(name);
    return origin ? format(fileLabel(origin.uri), origin.startLine + Number(n)) : whole;
  };
  return traceback
    .replace(/File "(<remote-exec[^"]*>)", line (\d+)/g, (whole, name: string, n: string) =>
      label(name, n, (f, l) => `File "${f}", line ${l}`, whole),
    )
    .replace(/(<remote-exec[^>]*>):(\d+)/g, (whole, name: string, n: string) => label(name, n, (f, l) => `${f}:${l}`, whole));
}

function fileLabel(uri: string | undefined): string {
  if (!uri) return '<selection>';
  try {
    const url = new URL(uri);
    return url.protocol === 'file:' ? decodeURIComponent(url.pathname) : uri;
  } catch {
    return uri;
  }
}
