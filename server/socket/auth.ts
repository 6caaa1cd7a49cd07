import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Socket } from 'net';

/**
 * The socket gateway's mutual challenge–response (PROTOCOL.md, "Socket authentication"). Both sides prove
 * they hold the shared token with HMAC-SHA256 over both sides' fresh nonces; the token itself never
 * crosses the wire, and a recorded exchange cannot be replayed. One JSON object per line:
 *
 *   server → client  {"auth":"remote-exec-hmac-sha256","version":1,"nonce":NS}
 *   client → server  {"nonce":NC,"request":R,"proof":HMAC(token, "client" NS NC R)}
 *   server → client  {"ok":true,"proof":HMAC(token, "server" NS NC R)}  |  {"ok":false,"reason":"..."}
 *
 * R is a JSON string naming the agent the client wants (language, chdir, env, nice). After the server's
 * OK line the connection carries the agent's bytes: the protocol's frames.
 */
export const AUTH_SCHEME = 'remote-exec-hmac-sha256';
export const AUTH_VERSION = 1;
export const MAX_HANDSHAKE_LINE = 8192;
export const TOKEN_ENV = 'REMOTE_EXEC_TOKEN';

/** What a client asks the socket server to start. */
export interface AgentRequest {
  language: 'python' | 'node';
  chdir?: string;
  env?: Record<string, string>;
  nice?: number;
}

export function newNonce(): string {
  return crypto.randomBytes(32).toString('hex');
}

export function proof(token: string, role: 'client' | 'server', serverNonce: string, clientNonce: string, request: string): string {
  return crypto
    .createHmac('sha256', token)
    .update(`${AUTH_SCHEME}/${AUTH_VERSION} ${role}\n${serverNonce}\n${clientNonce}\n${request}`)
    .digest('hex');
}

/** Compares two hex proofs in constant time. */
export function proofMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || !/^[0-9a-f]{64}$/.test(given)) return false;
  return crypto.timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given, 'hex'));
}

export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** Reads a token file: its content without surrounding whitespace; an empty token is an error. */
export function readTokenFile(file: string): string {
  const token = fs.readFileSync(expandHome(file), 'utf8').trim();
  if (!token) throw new Error(`token file ${file} is empty`);
  return token;
}

/**
 * Reads one `\n`-terminated line from `socket` within `timeoutMs`. Bytes after the line are put back,
 * and the socket is left paused, so nothing the peer sent early is lost.
 */
export function readLine(socket: Socket, timeoutMs: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const finish = (err: Error | null, line?: string, rest?: Buffer) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.pause();
      if (rest && rest.length) socket.unshift(rest);
      if (err) reject(err);
      else resolve(line!);
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const nl = buffered.indexOf(0x0a);
      if (nl >= 0) finish(null, buffered.subarray(0, nl).toString('utf8'), buffered.subarray(nl + 1));
      else if (buffered.length > MAX_HANDSHAKE_LINE) finish(new Error(`${what} is longer than ${MAX_HANDSHAKE_LINE} bytes`));
    };
    const onEnd = () => finish(new Error(`the connection closed before ${what}`));
    const onError = (err: Error) => finish(new Error(`the connection failed before ${what}: ${err.message}`));
    const timer = setTimeout(() => finish(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
    socket.resume();
  });
}

export function parseLine(line: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`${what} is not a JSON object: ${JSON.stringify(line.slice(0, 80))}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Checks what a client asked for; throws on anything malformed. */
export function parseRequest(request: string): AgentRequest {
  const r = parseLine(request, 'the agent request');
  if (r.language !== 'python' && r.language !== 'node') throw new Error('the agent request names no language (python or node)');
  const out: AgentRequest = { language: r.language };
  if (r.chdir !== undefined) {
    if (typeof r.chdir !== 'string') throw new Error('chdir must be a string');
    out.chdir = r.chdir;
  }
  if (r.nice !== undefined) {
    if (!Number.isInteger(r.nice)) throw new Error('nice must be an integer');
    out.nice = r.nice as number;
  }
  if (r.env !== undefined) {
    if (typeof r.env !== 'object' || r.env === null || Object.values(r.env).some((v) => typeof v !== 'string'))
      throw new Error('env must map names to strings');
    out.env = r.env as Record<string, string>;
  }
  return out;
}
