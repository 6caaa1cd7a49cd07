import * as fs from 'fs';
import * as path from 'path';
import type { InterpreterKind } from '../xspec';

/**
 * The agents shipped to interpreters over stdin (PROTOCOL.md §1). Their sources sit next to this file in
 * the repository and under dist/agents/ in the build; both places are searched.
 */
const AGENT_FILES: Record<Exclude<InterpreterKind, 'repl'>, string> = {
  python: 'python/agent.py',
  node: 'node/agent.js',
};

const sources = new Map<string, string>();

/** The one-line loaders: read `<length>\n<source>` from stdin and run it. */
export const LOADERS: Record<Exclude<InterpreterKind, 'repl'>, string[]> = {
  python: ['-c', "import sys;b=sys.stdin.buffer;exec(compile(b.read(int(b.readline())),'remote-exec-agent','exec'))"],
  node: ['-e', nodeLoader()],
};

export function agentSource(kind: Exclude<InterpreterKind, 'repl'>): string {
  let source = sources.get(kind);
  if (source === undefined) {
    source = fs.readFileSync(agentPath(kind), 'utf8');
    sources.set(kind, source);
  }
  return source;
}

export function agentPath(kind: Exclude<InterpreterKind, 'repl'>): string {
  const rel = AGENT_FILES[kind];
  const candidates = [path.join(__dirname, rel), path.join(__dirname, 'agents', rel)];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`the ${kind} agent is missing: looked for ${candidates.join(' and ')}`);
  return found;
}

/** The bytes the host writes to the loader: the source length, a newline, the source. */
export function bootstrapPayload(kind: Exclude<InterpreterKind, 'repl'>): Buffer {
  const body = Buffer.from(agentSource(kind), 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}\n`), body]);
}

function nodeLoader(): string {
  // The Node agent states its loader on its first line so the two never drift apart.
  try {
    const first = agentSource('node').split('\n', 3).find((l) => l.startsWith('// LOADER: '));
    if (first) return first.slice('// LOADER: '.length).replace(/^node -e /, '').replace(/^'(.*)'$/, '$1');
  } catch {
    // Fall through to the error raised when the Node agent is used.
  }
  return "throw new Error('the Node agent is missing its loader line')";
}
