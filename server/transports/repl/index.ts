import * as path from 'path';
import { PassThrough } from 'stream';
import type { Gateway, Transport, TransportExit } from '../../../protocol';
import { shellQuote, type XSpec } from '../../gateway/xspec';
import { behindPrefixes, hasPrefix } from '../prefix';
import { parseSshAddress, sshDestination, sshOptions } from '../ssh';
import { pickProfile, type ReplProfile } from './profiles';
import { loadNodePty } from './ptyLoader';
import { ReplAgent } from './replAgent';
import { ReplSession } from './replSession';

export { loadNodePty, NODE_PTY_PATH_ENV } from './ptyLoader';
export { pickProfile, type ReplProfile } from './profiles';

/** A Transport whose agent is a REPL in a terminal; the terminal can be resized. */
export interface ReplTransport extends Transport {
  /** The pid of the terminal's child (the REPL, or ssh for `ssh=`). */
  readonly pid: number;
  readonly profile: ReplProfile;
  resize(cols: number, rows: number): void;
}

const DEFAULT_COLS = 120;
const DEFAULT_ROWS = 40;
const replTransports = new WeakSet<Transport>();

/**
 * `repl=COMMAND LINE` over popen or ssh: the REPL runs in a node-pty terminal, driven by an in-process
 * agent that speaks the protocol over an in-memory stream pair, so the returned Transport serves the
 * ordinary Gateway. node-pty is loaded here, on first use, and nowhere else.
 */
export async function openRepl(spec: XSpec): Promise<ReplTransport> {
  const pty = loadNodePty();
  const profile = pickProfile(spec.argv);
  const replEnv: Record<string, string> = { TERM: 'dumb', ...profile.env, ...spec.env };
  const remote = spec.transport === 'ssh';
  if (spec.transport !== 'popen' && !remote) throw new Error(`repl= runs over popen or ssh=, not ${spec.transport}= (${spec.raw})`);
  const replArgv = [...(spec.nice !== undefined ? ['nice', '-n', String(spec.nice)] : []), ...spec.argv];
  // Behind prefixes (sudo= resets the environment, docker= has its own) the REPL's variables and
  // chdir= are applied inside them, where the REPL runs.
  const prefixed = hasPrefix(spec);
  const command = prefixed ? behindPrefixes(spec, ['env', ...envPairs(replEnv), ...replArgv]) : replArgv;
  const argv = remote ? sshReplArgv(spec, replEnv, command, prefixed) : command;
  const env = remote ? { ...process.env } : { ...process.env, ...replEnv };
  const term = pty.spawn(argv[0], argv.slice(1), {
    name: remote ? 'dumb' : replEnv.TERM,
    cols: DEFAULT_COLS,
    rows: DEFAULT_ROWS,
    cwd: remote || prefixed ? process.cwd() : (spec.chdir ?? process.cwd()),
    env: env as Record<string, string>,
  });
  const session = new ReplSession(term, profile);
  const toHost = new PassThrough();
  const fromHost = new PassThrough();
  const agent = new ReplAgent(session, fromHost, toHost);

  const exited = session.whenExited().then((e): TransportExit => {
    const signal = e.signal ? signalName(e.signal) : null;
    // Let the host see how the REPL ended before it sees the end of the stream.
    setImmediate(() => toHost.end());
    return { code: signal ? null : e.exitCode, signal, stderrTail: session.diagnostics };
  });
  agent
    .start({
      language: profile.language,
      executable: spec.argv[0],
      cwd: remote ? (spec.chdir ?? '') : path.resolve(spec.chdir ?? process.cwd()),
      platform: remote ? '' : process.platform,
    })
    .catch(() => {
      // The REPL exited before it was ready: `exited` reports it, with what the terminal showed.
    });

  const transport: ReplTransport = {
    input: toHost,
    output: fromHost,
    exited,
    pid: term.pid,
    profile,
    kill: () => session.kill(),
    resize: (cols, rows) => {
      if (!(cols > 0 && rows > 0)) throw new RangeError(`a terminal size needs positive cols and rows, not ${cols}x${rows}`);
      term.resize(Math.floor(cols), Math.floor(rows));
    },
  };
  replTransports.add(transport);
  return transport;
}

/**
 * Resizes the terminal of a `repl=` gateway (the protocol has no message for it: a terminal is this
 * transport's own business). Throws for any other gateway.
 */
export function resizeRepl(gateway: Gateway, cols: number, rows: number): void {
  const transport = gateway.transport;
  if (!replTransports.has(transport))
    throw new TypeError(`gateway ${gateway.id} (${gateway.spec}) is not a repl= gateway; only those have a terminal to resize`);
  (transport as ReplTransport).resize(cols, rows);
}

/** `ssh -tt HOST 'cd DIR && env TERM=dumb ... REPL'`: the remote side gets a terminal of its own (`prefixed`: the command does its own chdir and env). */
function sshReplArgv(spec: XSpec, replEnv: Record<string, string>, replArgv: string[], prefixed: boolean): string[] {
  const address = parseSshAddress(spec.address ?? '');
  const command = shellQuote(prefixed ? replArgv : ['env', ...envPairs(replEnv), ...replArgv]);
  const remoteCommand = spec.chdir && !prefixed ? `cd ${shellQuote([spec.chdir])} && exec ${command}` : `exec ${command}`;
  return ['ssh', ...sshOptions(spec, address), '-tt', '-e', 'none', '--', sshDestination(address), remoteCommand];
}

function envPairs(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

function signalName(signal: number): string {
  const names = require('os').constants.signals as Record<string, number>;
  return Object.keys(names).find((name) => names[name] === signal) ?? `signal ${signal}`;
}
