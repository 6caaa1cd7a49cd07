import { execFile, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { sshDestination, sshOptions, SSH_OPTIONS_ENV } from '../../server/transports/ssh';
import { waitGone } from './processes';

const execFileAsync = promisify(execFile);
const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'start-sshd.sh');

/** A throwaway sshd on 127.0.0.1 (scripts/start-sshd.sh), with a per-run key for its test user. */
export interface Sshd {
  dir: string;
  pid: number;
  port: number;
  user: string;
  key: string;
  knownHosts: string;
  /** ssh arguments that log in with the run's key and check the run's host key. */
  options: string;
  /** `user@127.0.0.1:port`, for `ssh=`. */
  address: string;
  /** Whether it listens on ::1 too. */
  ipv6: boolean;
  log(): string;
  /** Runs `ssh -O CMD` against the shared connection of this server; resolves to ssh's exit code and output. */
  control(command: 'check' | 'exit'): Promise<{ code: number; output: string }>;
  stop(): Promise<void>;
}

/** Starts sshd and points REMOTE_EXEC_SSH_OPTIONS at its key; undefined (with the reason) when it cannot run here. */
export async function startSshd(): Promise<Sshd | string> {
  let out: string;
  try {
    out = (await execFileAsync('bash', [SCRIPT], { timeout: 180000 })).stdout;
  } catch (err) {
    return `cannot start a test sshd: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`;
  }
  const vars: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) vars[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
  const previousOptions = process.env[SSH_OPTIONS_ENV];
  process.env[SSH_OPTIONS_ENV] = vars.SSH_OPTIONS;
  const port = Number(vars.SSHD_PORT);
  const address = { user: vars.SSHD_USER, host: '127.0.0.1', port };
  const sshd: Sshd = {
    dir: vars.SSHD_DIR,
    pid: Number(vars.SSHD_PID),
    port,
    user: vars.SSHD_USER,
    key: vars.SSH_KEY,
    knownHosts: vars.SSH_KNOWN_HOSTS,
    options: vars.SSH_OPTIONS,
    address: `${vars.SSHD_USER}@127.0.0.1:${port}`,
    ipv6: vars.SSHD_IPV6 === '1',
    log: () => fs.readFileSync(path.join(vars.SSHD_DIR, 'sshd.log'), 'utf8'),
    control: (command) =>
      new Promise((resolve) => {
        const args = [...sshOptions({ options: {} }, address), '-O', command, sshDestination(address)];
        execFile('ssh', args, { timeout: 10000 }, (err, stdout, stderr) => {
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
        });
      }),
    stop: async () => {
      await sshd.control('exit');
      try {
        process.kill(sshd.pid, 'SIGTERM');
        await waitGone(sshd.pid);
      } catch {
        // Already gone.
      }
      // Sessions whose client vanished: end them by pid, only those of our own throwaway user.
      if (vars.SSHD_USER !== currentUser()) for (const pid of pidsOfUser(vars.SSHD_USER)) killQuietly(pid);
      if (previousOptions === undefined) delete process.env[SSH_OPTIONS_ENV];
      else process.env[SSH_OPTIONS_ENV] = previousOptions;
      fs.rmSync(vars.SSHD_DIR, { recursive: true, force: true });
    },
  };
  return sshd;
}

function currentUser(): string {
  return execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
}

function pidsOfUser(user: string): number[] {
  let uid: number;
  try {
    uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
      if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) === uid) pids.push(Number(entry));
    } catch {
      // Ended meanwhile.
    }
  }
  return pids;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
