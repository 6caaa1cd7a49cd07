import * as fs from 'fs';
import * as path from 'path';
import type { InterpreterKind } from '../gateway/xspec';
import { AGENTS, assembleAgent } from './assemble';

/**
 * The agents shipped to interpreters over stdin (PROTOCOL.md §1). Each ships as one file: the build
 * writes it under dist/agents/ beside the bundles; from source (tests run the TypeScript through tsx) it
 * is assembled here from the modules next to this file, by the same code the build uses. Each agent is
 * read or assembled once per process, when a gateway of its language is first made.
 */
export type AgentKind = Exclude<InterpreterKind, 'repl'>;

const PYTHON_LOADER = ['-c', "import sys;b=sys.stdin.buffer;exec(compile(b.read(int(b.readline())),'remote-exec-agent','exec'))"];

const sources = new Map<AgentKind, string>();
const payloads = new Map<AgentKind, Buffer>();

/** The interpreter arguments of the one-line loader: read `<length>\n<source>` from stdin and run it. */
export function loaderArgs(kind: AgentKind, options: { dontWriteBytecode?: boolean } = {}): string[] {
  // `dont_write_bytecode` is Python's -B, as execnet passes it: imports on the remote side leave no .pyc.
  if (kind === 'python') return options.dontWriteBytecode ? ['-B', ...PYTHON_LOADER] : PYTHON_LOADER;
  return ['-e', nodeLoader()];
}

/** The agent's source as it ships: the built file beside the bundle, else assembled from its modules. */
export function agentSource(kind: AgentKind): string {
  let source = sources.get(kind);
  if (source === undefined) {
    const agent = AGENTS[kind];
    const built = path.join(__dirname, 'agents', agent.folder, agent.file);
    if (fs.existsSync(built)) source = fs.readFileSync(built, 'utf8');
    else if (fs.existsSync(path.join(__dirname, agent.folder))) source = assembleAgent(kind, __dirname);
    else throw new Error(`the ${kind} agent is missing: neither ${built} nor its modules in ${path.join(__dirname, agent.folder)}`);
    sources.set(kind, source);
  }
  return source;
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

/** The Node agent states its loader on its first line, so the two never drift apart. */
function nodeLoader(): string {
  const line = agentSource('node').split('\n', 1)[0];
  if (!line.startsWith('// LOADER: ')) throw new Error('the Node agent does not begin with its "// LOADER: " line');
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
