import type { TracebackFrame } from '../../contract/service';

/** Where one run's source came from; agents name session code `<remote-exec-N>` after the run. */
export interface SourceOrigin {
  uri?: string;
  /** 0-based document line of the source's first line. */
  startLine: number;
}

/** What the traceback of a gateway's run is mapped with. */
export interface FrameResolver {
  /** The document (and first line) a run's source came from, by the name the agent gave it. */
  originOf(name: string): SourceOrigin | undefined;
  /** A URI an editor can open for a file of the gateway's host; undefined when there is none. */
  fileUri(path: string): string | undefined;
}

/**
 * The file and line a traceback line names, if any: Python's `File "NAME", line N` (a syntax error's
 * too), and Node's `at fn (NAME:N:C)` and `at NAME:N:C`.
 */
export function frameLocation(text: string): { name: string; line: number } | undefined {
  const py = /^\s*File "([^"]+)", line (\d+)/.exec(text);
  if (py) return { name: py[1], line: Number(py[2]) };
  const node = /^\s*at (?:.+? \()?((?:file:\/\/)?[^()\s][^()]*?):(\d+):\d+\)?\s*$/.exec(text);
  if (node) return { name: node[1], line: Number(node[2]) };
  return undefined;
}

/** A path of the remote host's file system (not `<frozen ...>`, `node:fs`, the agent's own `remote-exec-agent`). */
function isFilePath(name: string): boolean {
  return name.startsWith('/') || name.startsWith('file://') || /^[A-Za-z]:[\\/]/.test(name);
}

/**
 * Every frame of a traceback that names a file, innermost last: code sent from a document (line N of a
 * run's source moved to document line `startLine + N - 1`, 0-based) and library files of the gateway's
 * host, each with the index of the traceback line that names it.
 */
export function tracebackStack(traceback: string, resolver: FrameResolver): TracebackFrame[] {
  const frames: TracebackFrame[] = [];
  traceback.split('\n').forEach((text, index) => {
    const at = frameLocation(text);
    if (!at) return;
    const origin = resolver.originOf(at.name);
    if (origin) {
      frames.push({ uri: origin.uri, line: origin.startLine + at.line - 1, text: text.trim(), tracebackLine: index });
      return;
    }
    if (!isFilePath(at.name)) return;
    const path = at.name.startsWith('file://') ? decodeURIComponent(new URL(at.name).pathname) : at.name;
    const uri = resolver.fileUri(path);
    if (uri) frames.push({ uri, line: Math.max(0, at.line - 1), text: text.trim(), tracebackLine: index, library: true });
  });
  return frames;
}

/** The frames in code sent from the editor, innermost last (where the diagnostic goes). */
export function mapTraceback(traceback: string, origins: (name: string) => SourceOrigin | undefined): TracebackFrame[] {
  return tracebackStack(traceback, { originOf: origins, fileUri: () => undefined }).filter((f) => !f.library);
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
