import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IPty } from 'node-pty';

/** The built CLI, run as a user runs it (npm test builds it first). */
export const CLI = path.resolve(__dirname, '../../../dist/cli.js');

export function cli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 60000,
    input: options.input ?? '',
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: undefined, ...options.env },
  });
}

/** `remote-exec ARGS | READER` through a real shell pipe; resolves with the pipeline's stdout, stderr and statuses. */
export function cliPiped(args: string[], reader: string): Promise<{ stdout: string; stderr: string; statuses: string }> {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `${quoted} | ${reader}; echo "\${PIPESTATUS[*]}" >&3`], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let statuses = '';
    child.stdout!.on('data', (b) => (stdout += b));
    child.stderr!.on('data', (b) => (stderr += b));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (b) => (statuses += b));
    child.on('error', reject);
    child.on('close', () => resolve({ stdout, stderr, statuses: statuses.trim() }));
  });
}

/** A folder for a test's files, removed by `cleanup`. */
export function scratch(): { dir: string; write(name: string, text: string | Buffer): string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-cli-'));
  return {
    dir,
    write: (name, text) => {
      fs.writeFileSync(path.join(dir, name), text);
      return name;
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The CLI in a real terminal (node-pty): what a user sees, typed keys, Ctrl-C. */
export interface TerminalRun {
  pty: IPty;
  /** Everything shown so far. */
  screen(): string;
  /** Resolves once the screen matches `pattern`; rejects with the screen after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number>;
}

export function cliInTerminal(args: string[], cwd?: string): TerminalRun {
  const nodePty = require('node-pty') as typeof import('node-pty');
  const pty = nodePty.spawn(process.execPath, [CLI, ...args], {
    cols: 120,
    rows: 40,
    cwd,
    env: { ...process.env, NO_COLOR: '1' } as Record<string, string>,
  });
  let screen = '';
  const watchers = new Set<() => void>();
  pty.onData((d) => {
    screen += d;
    for (const w of Array.from(watchers)) w();
  });
  const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
  return {
    pty,
    screen: () => screen,
    exited,
    waitFor: (pattern, timeoutMs = 20000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!pattern.test(screen)) return;
          watchers.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          pty.kill('SIGKILL');
          reject(new Error(`the terminal never showed ${pattern}; it shows:\n${screen}`));
        }, timeoutMs);
        watchers.add(check);
        check();
      }),
  };
}
