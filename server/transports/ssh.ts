import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Transport } from '../../protocol';
import { bootstrapPayload } from '../agents';
import { shellQuote, splitCommandLine, SSH_ADDRESS, XSpecError, type XSpec } from '../gateway/xspec';
import { spawnTransport } from './spawn';
import { agentCommand, hasPrefix, interpreterArgv, MAKE_AND_CD } from './prefix';
import { prefixFailure } from './prefixErrors';
import { classifyStartFailure, withStartDiagnosis } from './startErrors';
import { openRepl } from './repl';

/** Extra ssh arguments for every ssh gateway, split like a shell: `-i KEY -o UserKnownHostsFile=F`. */
export const SSH_OPTIONS_ENV = 'REMOTE_EXEC_SSH_OPTIONS';

export interface SshAddress {
  user?: string;
  host: string;
  port?: number;
}

/** `host` is bare (`::1`, as ssh takes it), without the brackets the spec needs around an IPv6 address. */
export function parseSshAddress(address: string): SshAddress {
  const m = SSH_ADDRESS.exec(address);
  if (!m) throw new XSpecError(`ssh= needs [user@]host[:port], not ${JSON.stringify(address)}`);
  return { user: m[1], host: m[2].replace(/^\[(.*)\]$/, '$1'), port: m[3] ? Number(m[3]) : undefined };
}

/**
 * The private folder of the connection-sharing sockets. Short, because a unix socket path is limited to
 * about 100 bytes; private, because whoever can open a master socket can run commands on its host.
 * Undefined when it cannot be made safely: sharing is then simply off.
 */
export function sshControlDir(): string | undefined {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  const dir = path.join('/tmp', `remote-exec-${uid}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  try {
    const st = fs.lstatSync(dir);
    const ours = typeof process.getuid !== 'function' || st.uid === process.getuid();
    if (!st.isDirectory() || !ours || (st.mode & 0o077) !== 0) return undefined;
  } catch {
    return undefined;
  }
  return dir;
}

/** ssh's own options for `address`: the user's extras first (ssh keeps the first value it reads), then ours. */
export function sshOptions(spec: Pick<XSpec, 'options'>, address: SshAddress, env: NodeJS.ProcessEnv = process.env): string[] {
  const extra = env[SSH_OPTIONS_ENV]?.trim() ? splitCommandLine(env[SSH_OPTIONS_ENV]!, SSH_OPTIONS_ENV) : [];
  const controlDir = sshControlDir();
  return [
    ...extra,
    ...(spec.options.ssh_config ? ['-F', expandHome(spec.options.ssh_config)] : []),
    ...(address.port !== undefined ? ['-p', String(address.port)] : []),
    // Never prompt: a password or passphrase prompt would hang a gateway nobody can type into.
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=15',
    ...(controlDir ? ['-o', 'ControlMaster=auto', '-o', `ControlPath=${path.join(controlDir, 'cm-%C')}`, '-o', 'ControlPersist=60'] : []),
  ];
}

export function sshDestination(address: SshAddress): string {
  return address.user ? `${address.user}@${address.host}` : address.host;
}

/** The command the remote login shell runs: `cd DIR && env ... nice -n N python3 -c LOADER`. */
export function remoteAgentCommand(spec: XSpec): string {
  if (hasPrefix(spec)) return shellQuote(agentCommand(spec));
  const command = shellQuote(interpreterArgv(spec));
  return spec.chdir ? `${MAKE_AND_CD(quoteDir(spec.chdir))} && ${command}` : command;
}

export function sshArgv(spec: XSpec, env: NodeJS.ProcessEnv = process.env): string[] {
  const address = parseSshAddress(spec.address ?? '');
  // -T: no pty, the stream must stay binary-clean; -e none: no escape character either.
  return ['ssh', ...sshOptions(spec, address, env), '-T', '-e', 'none', '--', sshDestination(address), remoteAgentCommand(spec)];
}

/** `ssh=[user@]host[:port]`: the system OpenSSH client, so ~/.ssh/config, agents, ProxyJump and keys all apply. */
export async function openSsh(spec: XSpec): Promise<Transport> {
  if (spec.interpreter === 'repl') return openRepl(spec);
  const argv = sshArgv(spec);
  const transport = Object.assign(spawnTransport(argv, { preamble: bootstrapPayload(spec.interpreter as 'python' | 'node') }), {
    killAgent: (pid: number) => killRemote(spec, pid),
  });
  return withStartDiagnosis(
    transport,
    (exit, cause) =>
      (exit.code !== 255 && hasPrefix(spec) ? prefixFailure(spec, agentCommand(spec), exit, spec.address) : undefined) ??
      classifyStartFailure(exit, `ssh=${spec.address}`, { ssh: true, cause }),
  );
}

/** SIGKILL to the remote agent itself, over the shared connection when there is one; bounded in time. */
function killRemote(spec: XSpec, pid: number): void {
  if (!Number.isInteger(pid) || pid <= 1) return;
  const address = parseSshAddress(spec.address ?? '');
  const child = spawn('ssh', [...sshOptions(spec, address), '-T', '--', sshDestination(address), `kill -KILL ${pid}`], { stdio: 'ignore' });
  child.on('error', () => {});
  const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
  child.on('exit', () => clearTimeout(timer));
  child.unref();
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** Quotes a directory for the remote shell, leaving a leading `~/` to it so `chdir=~/work` means home. */
function quoteDir(dir: string): string {
  if (dir === '~') return '~';
  if (dir.startsWith('~/')) return `~/${shellQuote([dir.slice(2)])}`;
  return shellQuote([dir]);
}
