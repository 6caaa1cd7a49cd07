import * as net from 'net';
import type { Transport } from '../../protocol';
import { AUTH_SCHEME, AUTH_VERSION, newNonce, parseLine, parseRequest, proof, proofMatches, readLine, type AgentRequest } from './auth';
import { openPopen } from '../transports/popen';
import type { XSpec } from '../gateway/xspec';

export interface SocketServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The shared secret every connection must prove it holds. */
  token: string;
  /** The interpreters started for clients (default `python3`, `node`). */
  interpreters?: { python?: string[]; node?: string[] };
  /** How long a client has to complete the handshake. */
  handshakeTimeoutMs?: number;
  /** One line per event worth telling the operator (refusals, agent failures). */
  log?: (line: string) => void;
}

export interface SocketServer {
  host: string;
  port: number;
  /** Stops listening and ends every agent it started. */
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::ffff:127.0.0.1';
}

/**
 * `remote-exec serve`: a socket agent server. Each connection first passes the challenge–response of
 * socketAuth.ts; only then is a fresh agent started (as popen would) and the connection piped to it.
 * A connection that fails the handshake is told why in one line, logged, and closed; nothing runs.
 */
export function startSocketServer(options: SocketServerOptions): Promise<SocketServer> {
  if (!options.token) throw new Error('serve needs a token: every connection is authenticated');
  const log = options.log ?? ((line: string) => process.stderr.write(`remote-exec serve: ${line}\n`));
  const timeoutMs = options.handshakeTimeoutMs ?? 10000;
  const agents = new Set<Transport>();
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {
      // A peer that vanished: the close handler cleans up.
    });
    socket.setNoDelay(true);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    handshake(socket, options.token, timeoutMs).then(
      (request) => {
        if (socket.destroyed) return;
        startAgent(socket, request, options, agents, log, peer);
      },
      (err: Error) => {
        log(`refused ${peer}: ${err.message}`);
        if (!socket.destroyed) socket.end(JSON.stringify({ ok: false, reason: err.message }) + '\n');
        setTimeout(() => socket.destroy(), 1000).unref();
      },
    );
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address() as net.AddressInfo;
      resolve({
        host: options.host,
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            for (const agent of agents) agent.kill();
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

async function handshake(socket: net.Socket, token: string, timeoutMs: number): Promise<AgentRequest> {
  const serverNonce = newNonce();
  socket.write(JSON.stringify({ auth: AUTH_SCHEME, version: AUTH_VERSION, nonce: serverNonce }) + '\n');
  const answer = parseLine(await readLine(socket, timeoutMs, 'authentication answer'), 'the authentication answer');
  const { nonce: clientNonce, request, proof: given } = answer;
  if (typeof clientNonce !== 'string' || !/^[0-9a-f]{32,128}$/.test(clientNonce) || typeof request !== 'string') {
    throw new Error('malformed authentication answer');
  }
  if (!proofMatches(proof(token, 'client', serverNonce, clientNonce, request), given)) throw new Error('wrong or missing token');
  const parsed = parseRequest(request);
  socket.write(JSON.stringify({ ok: true, proof: proof(token, 'server', serverNonce, clientNonce, request) }) + '\n');
  return parsed;
}

function startAgent(
  socket: net.Socket,
  request: AgentRequest,
  options: SocketServerOptions,
  agents: Set<Transport>,
  log: (line: string) => void,
  peer: string,
): void {
  const argv = options.interpreters?.[request.language] ?? (request.language === 'python' ? ['python3'] : ['node']);
  const spec: XSpec = {
    raw: `serve:${request.language}`,
    transport: 'popen',
    interpreter: request.language,
    argv,
    chdir: request.chdir,
    nice: request.nice,
    env: request.env ?? {},
    options: {},
  };
  openPopen(spec).then(
    (agent) => {
      agents.add(agent);
      if (socket.destroyed) {
        agent.kill();
        return;
      }
      // The loader reads stdin through a buffer: client bytes are held until the agent's HELLO shows it
      // owns the stream (PROTOCOL.md §1), so a client that pipelines its frames loses nothing.
      agent.input.once('data', (hello: Buffer) => {
        socket.write(hello);
        agent.input.pipe(socket);
        socket.pipe(agent.output);
      });
      // The agent exits when its stdin closes (PROTOCOL.md §1); the timer only catches one that does not.
      socket.on('close', () => setTimeout(() => agent.kill(), 5000).unref());
      agent.exited.then((exit) => {
        agents.delete(agent);
        if (exit.code !== 0 && exit.code !== null)
          log(`agent for ${peer} exited with ${exit.code}: ${exit.stderrTail.trim().split('\n').slice(-3).join(' | ')}`);
        socket.end();
      });
    },
    (err: Error) => {
      log(`cannot start a ${request.language} agent for ${peer}: ${err.message}`);
      socket.destroy();
    },
  );
}
