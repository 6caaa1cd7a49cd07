import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir } from '../cacheDir';
import { agentSource, bootstrapPayload } from './index';

/*
 * The Python agent compiled once per interpreter and agent version, kept on this host: compiling its
 * source costs a third of a gateway's start, loading the compiled form well under a millisecond.
 *
 * The loader of PROTOCOL.md §1 is unchanged: what it is given to run is then a short stub that reads
 * the interpreter's bytecode magic, the compiled agent and its source from stdin, and runs the compiled
 * form only if the magic is its own interpreter's (a compiled form for another Python would crash it),
 * else compiles the source. A missing or stale entry is filled in the background by the interpreter
 * itself, in a process of its own, so no gateway waits for it.
 *
 * Where: cacheDir() (server/cacheDir.ts).
 */

const MAGIC_BYTES = 4;
let sourceHash: string | undefined;
const filling = new Set<string>();

/**
 * The bytes to write to the loader of `interpreter` (its resolved argv, executable first): the agent's
 * compiled form with the stub when this host has it, else the source (and the compiled form is made).
 */
export function pythonBootstrap(interpreter: string[], env: NodeJS.ProcessEnv, cwd?: string): Buffer {
  const file = entryPath(interpreter, env);
  if (file === undefined) return bootstrapPayload('python');
  let compiled: Buffer | undefined;
  try {
    compiled = fs.readFileSync(file);
  } catch {
    compiled = undefined;
  }
  if (compiled === undefined || compiled.length <= MAGIC_BYTES) {
    fill(interpreter, env, cwd, file);
    return bootstrapPayload('python');
  }
  const source = Buffer.from(agentSource('python'), 'utf8');
  const stub = Buffer.from(
    [
      'import sys, marshal, _frozen_importlib_external',
      '_b = sys.stdin.buffer',
      `_m, _c, _s = _b.read(${MAGIC_BYTES}), _b.read(${compiled.length - MAGIC_BYTES}), _b.read(${source.length})`,
      '_agent_from_cache = _m == _frozen_importlib_external.MAGIC_NUMBER',
      "_c = marshal.loads(_c) if _agent_from_cache else compile(_s, 'remote-exec-agent', 'exec')",
      'del _b, _m, _s',
      'exec(_c)',
      '',
    ].join('\n'),
  );
  return Buffer.concat([Buffer.from(`${stub.length}\n`), stub, compiled, source]);
}

/** The entry of this interpreter binary (by path, size and change time) and this agent's source. */
function entryPath(interpreter: string[], env: NodeJS.ProcessEnv): string | undefined {
  const dir = cacheDir(env);
  if (dir === undefined || !path.isAbsolute(interpreter[0])) return undefined;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(interpreter[0]);
  } catch {
    return undefined;
  }
  sourceHash ??= crypto.createHash('sha256').update(agentSource('python')).digest('hex');
  const key = crypto
    .createHash('sha256')
    .update(JSON.stringify([sourceHash, interpreter, stat.size, stat.ino, stat.mtimeMs]))
    .digest('hex')
    .slice(0, 32);
  return path.join(dir, `python-agent-${key}`);
}

// Run by the interpreter itself: compile the agent read from stdin, write magic + marshal atomically.
const FILL = [
  'import sys, os, marshal, _frozen_importlib_external as e',
  's = sys.stdin.buffer.read()',
  'if len(s) == int(sys.argv[1]):',
  "    d = e.MAGIC_NUMBER + marshal.dumps(compile(s, 'remote-exec-agent', 'exec'))",
  "    t = '%s.%d.tmp' % (sys.argv[2], os.getpid())",
  '    os.makedirs(os.path.dirname(t), exist_ok=True)',
  "    with open(t, 'wb') as f:",
  '        f.write(d)',
  '    os.replace(t, sys.argv[2])',
].join('\n');

function fill(interpreter: string[], env: NodeJS.ProcessEnv, cwd: string | undefined, file: string): void {
  if (filling.has(file)) return;
  filling.add(file);
  const source = Buffer.from(agentSource('python'), 'utf8');
  try {
    const child = spawn(interpreter[0], [...interpreter.slice(1), '-c', FILL, String(source.length), file], {
      env,
      cwd,
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.on('error', () => {
      // No cache then: every start compiles the source, as without one.
    });
    child.stdin!.on('error', () => {});
    child.stdin!.end(source);
    // Never keeps this process alive: a run that ends first leaves the entry to a later one.
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
  } catch {
    // As above.
  }
}
