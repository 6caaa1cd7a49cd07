import type { Readable } from 'stream';
import { AbstractMessageReader, type DataCallback, type Disposable, type Message, type ResponseMessage } from 'vscode-jsonrpc/node';

/** JSON-RPC 2.0's error codes for what a reader can tell wrong with its input. */
export const JSON_RPC_ERRORS = { parseError: -32700, invalidRequest: -32600, methodNotFound: -32601, invalidParams: -32602 } as const;

export interface GuardedReaderOptions {
  /** Largest message body read; a larger one is answered with an error and skipped, never buffered. */
  maxBody?: number;
  /** Largest header block; past it without the blank line that ends headers, the bytes are skipped. */
  maxHeader?: number;
}

const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
const DEFAULT_MAX_HEADER = 8 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /^content-length:[ \t]*(\S*)[ \t]*$/i;

/**
 * Reads LSP-framed JSON-RPC (Content-Length headers) from a stream, as vscode-jsonrpc's own reader does,
 * but answers every malformed input with a JSON-RPC error instead of going silent: a bad or missing
 * Content-Length, a body that is not UTF-8 or not JSON (-32700), a batch or a message that is not a
 * request, notification or response (-32600), params that are not an object or array (-32602), and a
 * body over `maxBody` (-32600, skipped as it arrives). After a broken header it resyncs at the next
 * `Content-Length:` it sees, so one bad message never costs the ones after it.
 */
export class GuardedMessageReader extends AbstractMessageReader {
  private callback?: DataCallback;
  private buffer: Buffer = Buffer.alloc(0);
  /** Body length of the message being read, once its header has been. */
  private bodyLength = -1;
  /** Bytes of a refused body still to skip. */
  private skipping = 0;
  /** After a broken header: bytes are dropped up to the next `Content-Length:`. */
  private resyncing = false;
  private readonly maxBody: number;
  private readonly maxHeader: number;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly readable: Readable,
    /** Sends an error answer back to the peer (through the connection's writer). */
    private readonly answer: (response: ResponseMessage) => void,
    options: GuardedReaderOptions = {},
  ) {
    super();
    this.maxBody = options.maxBody ?? DEFAULT_MAX_BODY;
    this.maxHeader = options.maxHeader ?? DEFAULT_MAX_HEADER;
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer) => this.onData(chunk);
    const onError = (err: Error) => this.fireError(err);
    const onClose = () => this.fireClose();
    this.readable.on('data', onData);
    this.readable.on('error', onError);
    this.readable.on('end', onClose);
    this.readable.on('close', onClose);
    return {
      dispose: () => {
        this.readable.off('data', onData);
        this.readable.off('error', onError);
        this.readable.off('end', onClose);
        this.readable.off('close', onClose);
      },
    };
  }

  private onData(chunk: Buffer): void {
    if (this.skipping > 0) {
      const skip = Math.min(this.skipping, chunk.length);
      this.skipping -= skip;
      chunk = chunk.subarray(skip);
    }
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.drain();
  }

  private drain(): void {
    for (;;) {
      if (this.skipping > 0) {
        const skip = Math.min(this.skipping, this.buffer.length);
        this.skipping -= skip;
        this.buffer = this.buffer.subarray(skip);
        if (this.skipping > 0) return;
      }
      if (this.bodyLength < 0 && !this.readHeader()) return;
      if (this.bodyLength < 0) continue;
      if (this.buffer.length < this.bodyLength) return;
      const body = this.buffer.subarray(0, this.bodyLength);
      this.buffer = this.buffer.subarray(this.bodyLength);
      this.bodyLength = -1;
      this.onBody(body);
    }
  }

  /** Consumes one header block if a whole one is buffered; false when more bytes are needed. */
  private readHeader(): boolean {
    if (this.resyncing) {
      const at = indexOfContentLength(this.buffer, 0);
      // Keep a tail that may be the start of a `Content-Length:` split across reads.
      if (at < 0) this.buffer = this.buffer.subarray(Math.max(0, this.buffer.length - 15));
      if (at < 0) return false;
      this.buffer = this.buffer.subarray(at);
      this.resyncing = false;
    }
    const end = this.buffer.indexOf(HEADER_END);
    if (end < 0) {
      if (this.buffer.length > this.maxHeader) {
        this.refuse(JSON_RPC_ERRORS.parseError, `a header block longer than ${this.maxHeader} bytes`);
        this.resync();
        return true;
      }
      return false;
    }
    const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const lengthLines = lines.map((l) => CONTENT_LENGTH.exec(l)).filter((m) => m !== null);
    const value = lengthLines.length === 1 ? lengthLines[0][1] : undefined;
    if (value === undefined || !/^\d{1,15}$/.test(value)) {
      const why =
        lengthLines.length === 0
          ? 'a header without Content-Length'
          : `a bad Content-Length header (${JSON.stringify(lengthLines.map((m) => m[1]).join(', ')).slice(0, 80)})`;
      this.refuse(JSON_RPC_ERRORS.parseError, why);
      this.resync();
      return true;
    }
    const length = Number(value);
    this.buffer = this.buffer.subarray(end + HEADER_END.length);
    if (length > this.maxBody) {
      this.refuse(JSON_RPC_ERRORS.invalidRequest, `a message body of ${length} bytes, over the limit of ${this.maxBody}; it was skipped`);
      this.skipping = length;
      return true;
    }
    this.bodyLength = length;
    return true;
  }

  /** Drops the broken header's first byte, then everything up to the next `Content-Length:`. */
  private resync(): void {
    this.buffer = this.buffer.subarray(1);
    this.resyncing = true;
  }

  private onBody(body: Buffer): void {
    let text: string;
    let message: unknown;
    try {
      text = this.decoder.decode(body);
    } catch {
      this.refuse(JSON_RPC_ERRORS.parseError, 'a message body that is not valid UTF-8');
      return;
    }
    try {
      message = JSON.parse(text);
    } catch (err) {
      // A body cut short swallows the start of the next message: read that one again from its header.
      const at = indexOfContentLength(body, 0);
      if (at >= 0) this.buffer = Buffer.concat([body.subarray(at), this.buffer]);
      this.refuse(JSON_RPC_ERRORS.parseError, `a message body that is not JSON (${err instanceof Error ? err.message : String(err)})`);
      return;
    }
    const problem = whatIsWrong(message);
    if (problem) {
      const id = idOf(message);
      for (const each of Array.isArray(message) ? message.map(idOf) : [id]) this.refuse(problem.code, problem.message, each);
      return;
    }
    this.callback?.(message as Message);
  }

  private refuse(code: number, message: string, id: number | string | null = null): void {
    this.answer({ jsonrpc: '2.0', id, error: { code, message: `remote-exec server: ${message}` } });
  }
}

function indexOfContentLength(buffer: Buffer, from: number): number {
  // Header names are case-insensitive; clients write them as LSP does.
  const a = buffer.indexOf('Content-Length:', from, 'latin1');
  const b = buffer.indexOf('content-length:', from, 'latin1');
  return a < 0 ? b : b < 0 ? a : Math.min(a, b);
}

function idOf(message: unknown): number | string | null {
  if (message && typeof message === 'object' && !Array.isArray(message)) {
    const id = (message as { id?: unknown }).id;
    if (typeof id === 'number' || typeof id === 'string') return id;
  }
  return null;
}

/** What makes a parsed body not a JSON-RPC 2.0 message this server takes, or undefined when it is one. */
function whatIsWrong(message: unknown): { code: number; message: string } | undefined {
  if (Array.isArray(message))
    return { code: JSON_RPC_ERRORS.invalidRequest, message: 'batch requests are not supported; send each message on its own' };
  if (!message || typeof message !== 'object') return { code: JSON_RPC_ERRORS.invalidRequest, message: 'a message must be a JSON object' };
  const m = message as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return { code: JSON_RPC_ERRORS.invalidRequest, message: 'a message must have "jsonrpc": "2.0"' };
  if ('method' in m) {
    if (typeof m.method !== 'string') return { code: JSON_RPC_ERRORS.invalidRequest, message: '"method" must be a string' };
    if ('id' in m && typeof m.id !== 'number' && typeof m.id !== 'string' && m.id !== null)
      return { code: JSON_RPC_ERRORS.invalidRequest, message: '"id" must be a number or a string' };
    if (m.params !== undefined && (m.params === null || typeof m.params !== 'object'))
      return { code: JSON_RPC_ERRORS.invalidParams, message: '"params" must be an object or an array' };
    return undefined;
  }
  if ('id' in m && ('result' in m || 'error' in m)) return undefined;
  return { code: JSON_RPC_ERRORS.invalidRequest, message: 'a request needs a "method" (a response, an "id" and a "result" or "error")' };
}
