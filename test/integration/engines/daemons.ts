import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Whether every command is installed (scripts/setup-test-deps.sh installs them from Debian). */
export function installed(...commands: string[]): boolean {
  return commands.every((c) => spawnSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' }).status === 0);
}

/** The pids of processes whose command line names `text` (a test's temp folder), from /proc. */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** Daemons a test suite started in its own temp folder, stopped and removed together. */
export class Daemons {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-engine-'));
  private readonly children: { name: string; child: ChildProcess; log: string[] }[] = [];

  constructor() {
    // Daemons that drop privileges (munged, podman's conmon) need to reach their files.
    fs.chmodSync(this.dir, 0o755);
  }

  /** Starts `argv` in the foreground of its own process group; its output is kept for failure messages. */
  start(name: string, argv: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const log: string[] = [];
    child.stdout!.on('data', (b) => log.push(String(b)));
    child.stderr!.on('data', (b) => log.push(String(b)));
    child.on('error', (err) => log.push(String(err)));
    this.children.push({ name, child, log });
    return child;
  }

  /** What the daemons said, for a test's failure message. */
  logs(): string {
    return this.children
      .map((c) => `--- ${c.name} (exit ${c.child.exitCode ?? c.child.signalCode ?? 'running'})\n${c.log.join('')}`)
      .join('\n');
  }

  /** Polls `ready` until it holds; rejects with the daemons' logs when it never does. */
  async waitUntil(what: string, ready: () => boolean, timeoutMs = 60000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!ready()) {
      const dead = this.children.find((c) => c.child.exitCode !== null || c.child.signalCode !== null);
      if (dead || Date.now() > end) throw new Error(`${what} never happened${dead ? ` (${dead.name} ended)` : ''}\n${this.logs()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Stops the daemons, newest first (each with its whole process group), and removes the folder. */
  async stop(): Promise<void> {
    for (const { child } of this.children.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
      const gone = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        continue;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, 10000);
      await gone;
      clearTimeout(timer);
    }
    // What the daemons started on their own (conmon of a container, slurmstepd) ends with them, shortly.
    const end = Date.now() + 15000;
    while (processesMentioning(this.dir).length && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
