import * as fs from 'fs';
import * as path from 'path';
import type { InterpreterKind } from '../gateway/xspec';

/**
 * The agents shipped to interpreters over stdin (PROTOCOL.md §1). Their sources sit next to this file in
 * the repository and under dist/agents/ in the build; both places are searched. Each is read once, when
 * a gateway of its language is first made.
 */
export type AgentKind = Exclude<InterpreterKind, 'repl'>;

const AGENT_FILES: Record<AgentKind, string> = {
  python: 'python/agent.py',
  node: 'node/agent.js',
};

const PYTHON_LOADER = ['-c', "import sys;b=sys.stdin.buffer;exec(compile(b.read(int(b.readline())),'remote-exec-agent','exec'))"];

const sources = new Map<AgentKind, string>();
const payloads = new Map<AgentKind, Buffer>();

/** The interpreter arguments of the one-line loader: read `<length>\n<source>` from stdin and run it. */
export function loaderArgs(kind: AgentKind): string[] {
  return kind === 'python' ? PYTHON_LOADER : ['-e', nodeLoader()];
}

export function agentSource(kind: AgentKind): string {
  let source = sources.get(kind);
  if (source === undefined) {
    source = fs.readFileSync(agentPath(kind), 'utf8');
    sources.set(kind, source);
  }
  return source;
}

export function agentPath(kind: AgentKind): string {
  const rel = AGENT_FILES[kind];
  const candidates = [path.join(__dirname, rel), path.join(__dirname, 'agents', rel)];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`the ${kind} agent is missing: looked for ${candidates.join(' and ')}`);
  return found;
}

/** The bytes the host writes to the loader: the source length, a newline, the source. */
export function bootstrapPayload(kind: AgentKind): Buffer {
  let payload = payloads.get(kind);
  if (payload === undefined) {
    const body = Buffer.from(agentSource(kind), 'utf8');
    payload = Buffer.concat([Buffer.from(`${body.length}\n`), body]);
    payloads.set(kind, payload);
  }
  return payload;
}

/** The Node agent states its loader on its first lines, so the two never drift apart. */
function nodeLoader(): string {
  const line = agentSource('node')
    .split('\n', 3)
    .find((l) => l.startsWith('// LOADER: '));
  if (!line) throw new Error(`the Node agent (${agentPath('node')}) has no "// LOADER: " line`);
  return line
    .slice('// LOADER: '.length)
    .replace(/^node -e /, '')
    .replace(/^'(.*)'$/, '$1');
}

// ---------------------------------------------------------------------------------------------------
// Remote helpers: the code that features send with remoteExec (the rsync receiver, the via relay, the
// bench workloads), one real file per language under remote/, linted and tested like any module.

const REMOTE_EXTENSIONS: Record<AgentKind, string> = { python: '.py', node: '.js' };
const remoteSources = new Map<string, string>();

/** The source of the remote helper `name` for an agent of `language`, read once per process. */
export function remoteSource(name: string, language: AgentKind): string {
  const file = remotePath(name, language);
  let source = remoteSources.get(file);
  if (source === undefined) {
    source = fs.readFileSync(file, 'utf8');
    remoteSources.set(file, source);
  }
  return source;
}

/** Where the remote helper `name` for `language` is: beside this file in the repository, under dist/agents/ in the build. */
export function remotePath(name: string, language: AgentKind): string {
  const rel = path.join('remote', name + REMOTE_EXTENSIONS[language]);
  const candidates = [path.join(__dirname, rel), path.join(__dirname, 'agents', rel)];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`the remote helper ${name} for ${language} is missing: looked for ${candidates.join(' and ')}`);
  return found;
}
