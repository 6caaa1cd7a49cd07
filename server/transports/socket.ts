import * as net from 'net';
import { PassThrough } from 'stream';
import type { Transport, TransportExit } from '../../protocol';
import { newNonce, parseLine, proof, proofMatches, readLine, readTokenFile, TOKEN_ENV, type AgentRequest } from '../socket/auth';
import type { XSpec } from '../gateway/xspec';
import { AgentStartError, AuthenticationError, HostUnreachableError } from './startErrors';

const CONNECT_TIMEOUT_MS = 15000;
const HANDSHAKE_TIMEOUT_MS = 15000;

/** The token for `spec`: `token=`, then `token-file=`, then $REMOTE_EXEC_TOKEN. */
export function socketToken(spec: XSpec, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (spec.options.token) return spec.options.token;
  if (spec.options['token-file']) return readTokenFile(spec.options['token-file']);
  return env[TOKEN_ENV]?.trim() || undefined;
}

/** `socket=host:port`: an agent started by `remote-exec serve` after a mutual challenge–response. */
export async function openSocket(spec: XSpec): Promise<Transport> {
  const what = `socket=${spec.address}`;
  if (spec.interpreter === 'repl')
    throw new Error(`repl= gateways do not run behind socket=: the socket server chooses its agents (${spec.raw})`);
  const token = socketToken(spec);
  if (!token) throw new AuthenticationError(`${what}: no token; give token-file=FILE or token=T in the spec, or set ${TOKEN_ENV}`);
  const sep = spec.address!.lastIndexOf(':');
  const host = spec.address!.slice(0, sep).replace(/^\[(.*)\]$/, '$1');
  const port = Number(spec.address!.slice(sep + 1));
  const socket = await connect(host, port, what);
  try {
    const request: AgentRequest = { language: spec.interpreter, env: spec.env };
    if (spec.chdir) request.chdir = spec.chdir;
    if (spec.nice !== undefined) request.nice = spec.nice;
    await authenticate(socket, token, JSON.stringify(request), what);
  } catch (err) {
    socket.destroy();
    throw err;
  }
  return socketTransport(socket);
}

function connect(host: string, port: number, what: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new HostUnreachableError(`${what}: the host is unreachable (no connection within ${CONNECT_TIMEOUT_MS} ms)`));
    }, CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why =
        err.code === 'ECONNREFUSED'
          ? `nothing listens on ${host}:${port} (connection refused); start "remote-exec serve" there, or check the port`
          : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
            ? `the host name ${host} does not resolve; check its spelling`
            : 'the host is unreachable';
      reject(new HostUnreachableError(`${what}: ${why}`, null, `${err.code ?? ''} ${err.message}`.trim()));
    });
  });
}

async function authenticate(socket: net.Socket, token: string, request: string, what: string): Promise<void> {
  const fail = (err: unknown) =>
    new AgentStartError(`${what}: the server's handshake failed`, null, err instanceof Error ? err.message : String(err));
  let challenge: Record<string, unknown>;
  try {
    challenge = parseLine(await readLine(socket, HANDSHAKE_TIMEOUT_MS, 'the authentication challenge'), 'the challenge');
  } catch (err) {
    throw fail(err);
  }
  if (typeof challenge.nonce !== 'string' || !/^[0-9a-f]{32,128}$/.test(challenge.nonce))
    throw fail(new Error('the server sent no valid challenge; is it a remote-exec serve?'));
  const clientNonce = newNonce();
  socket.write(
    JSON.stringify({ nonce: clientNonce, request, proof: proof(token, 'client', challenge.nonce, clientNonce, request) }) + '\n',
  );
  let verdict: Record<string, unknown>;
  try {
    verdict = parseLine(await readLine(socket, HANDSHAKE_TIMEOUT_MS, 'the authentication verdict'), 'the verdict');
  } catch (err) {
    throw fail(err);
  }
  if (verdict.ok !== true)
    throw new AuthenticationError(`${what}: the server refused the connection`, null, String(verdict.reason ?? 'no reason given'));
  // Mutual: the server proves it holds the token too, before any code is sent to it.
  if (!proofMatches(proof(token, 'server', challenge.nonce, clientNonce, request), verdict.proof)) {
    throw new AuthenticationError(`${what}: the server could not prove it holds the token; not sending it anything`);
  }
}

function socketTransport(socket: net.Socket): Transport {
  // A fresh stream for the gateway: the socket was paused by the handshake and may hold early bytes.
  const input = new PassThrough();
  socket.pipe(input);
  let error = '';
  socket.on('error', (err) => {
    error = err.message;
  });
  const exited = new Promise<TransportExit>((resolve) => {
    socket.once('close', () => resolve({ code: null, signal: null, stderrTail: error }));
  });
  return {
    input,
    output: socket,
    exited,
    kill: () => socket.destroy(),
  };
}
