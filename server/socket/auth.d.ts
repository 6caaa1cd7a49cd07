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
export declare const AUTH_SCHEME = 'remote-exec-hmac-sha256';
export declare const AUTH_VERSION = 1;
export declare const MAX_HANDSHAKE_LINE = 8192;
export declare const TOKEN_ENV = 'REMOTE_EXEC_TOKEN';
/** What a client asks the socket server to start. */
export interface AgentRequest {
  language: 'python' | 'node';
  chdir?: string;
  env?: Record<string, string>;
  nice?: number;
}
export declare function newNonce(): string;
export declare function proof(token: string, role: 'client' | 'server', serverNonce: string, clientNonce: string, request: string): string;
/** Compares two hex proofs in constant time. */
export declare function proofMatches(expected: string, given: unknown): boolean;
export declare function expandHome(p: string): string;
/** Reads a token file: its content without surrounding whitespace; an empty token is an error. */
export declare function readTokenFile(file: string): string;
/**
 * Reads one `\n`-terminated line from `socket` within `timeoutMs`. Bytes after the line are put back,
 * and the socket is left paused, so nothing the peer sent early is lost.
 */
export declare function readLine(socket: Socket, timeoutMs: number, what: string): Promise<string>;
export declare function parseLine(line: string, what: string): Record<string, unknown>;
/** Checks what a client asked for; throws on anything malformed. */
export declare function parseRequest(request: string): AgentRequest;
