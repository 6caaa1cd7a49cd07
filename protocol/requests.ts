import { Fifo } from './fifo';
import type { Message, MessageType } from './messages';
import type { Holder } from './proxy';
import type { EncodedFrame } from './writer';

/** OBJECT requests in flight on one gateway by default; more wait on the host, in order. */
export const DEFAULT_MAX_REQUESTS = 4096;

/** Waiting requests' frames are copied into shared chunks of this size: a small frame costs its bytes only. */
const PARK_CHUNK = 64 * 1024;

/** One encoded request, and the message it came from (for the protocol trace). */
export interface RequestFrame {
  frame: EncodedFrame;
  /** Kept for a waiting request only while the trace is on. */
  message: Message | undefined;
}

/** What the table needs from its gateway. */
export interface RequestSender {
  /** Encodes one request; throws (nothing sent) if it cannot go. */
  encodeRequest(type: MessageType, id: number, payload: unknown): RequestFrame;
  /** Writes an encoded request. */
  writeRequest(request: RequestFrame): void;
  /** Whether the trace needs each request's message when it is written (else only its bytes are kept). */
  readonly tracing: boolean;
  /** A request on `holder`'s object has settled, answered or not. */
  requestSettled(holder: Holder): void;
}

/**
 * One request from the call on: what settles it and, for an OBJECT request, the object it is on (counted
 * until it settles, so a release waits for it) and the proxy it came from (kept alive until then). One
 * small record per request, on purpose: a million pending calls cost a million of these.
 */
interface Request {
  readonly id: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
  readonly bounded: boolean;
  readonly holder: Holder | null;
  readonly keep: object | undefined;
  /** While the request waits for a place: its frame's bytes at `offset` in a shared chunk, or its own frame. */
  parked: Buffer | EncodedFrame | undefined;
  offset: number;
  size: number;
  message: Message | undefined;
}

/**
 * The requests of one gateway that have no answer yet. OBJECT requests are bounded: at most `limit` are
 * in flight, so neither the agent's queue nor the pipe to it holds more, and what comes after them
 * (an EXEC, a channel's DATA, a STATUS) is not stuck behind a million calls. The others wait here,
 * encoded, and go out in order as answers come back. STATUS is never held back: it answers "is the
 * agent alive" and must not wait behind a backlog.
 */
export class RequestTable {
  private readonly inFlight = new Map<number, Request>();
  private readonly waiting = new Fifo<Request>();
  private boundedInFlight = 0;
  private nextId = 1;
  private releasing = false;
  private closedError?: Error;
  private chunk = Buffer.allocUnsafe(PARK_CHUNK);
  private chunkUsed = 0;

  constructor(
    private readonly sender: RequestSender,
    private readonly limit: number,
  ) {}

  /** Requests sent and not yet answered, and those waiting for a place. */
  get counts(): { inFlight: number; waiting: number } {
    return { inFlight: this.inFlight.size, waiting: this.waiting.length };
  }

  /**
   * Sends a request, or parks it when `bounded` and the limit is reached. Fails at once, with nothing
   * sent, when its payload cannot be encoded or the gateway has closed.
   */
  start(type: MessageType, payload: unknown, bounded: boolean, holder: Holder | null = null, keep?: object): Promise<unknown> {
    if (this.closedError) {
      if (holder) this.sender.requestSettled(holder);
      return Promise.reject(this.closedError);
    }
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      let encoded: RequestFrame;
      try {
        encoded = this.sender.encodeRequest(type, id, payload);
      } catch (err) {
        if (holder) this.sender.requestSettled(holder);
        reject(err);
        return;
      }
      const request: Request = { id, resolve, reject, bounded, holder, keep, parked: undefined, offset: 0, size: 0, message: undefined };
      if (bounded && (this.boundedInFlight >= this.limit || this.waiting.length > 0)) {
        this.park(request, encoded);
        this.waiting.push(request);
      } else {
        this.issue(request, encoded);
      }
    });
  }

  resolve(id: number, value: unknown): void {
    this.settle(id)?.resolve(value);
  }

  reject(id: number, err: Error): void {
    this.settle(id)?.reject(err);
  }

  /** The gateway closed: every request, sent or waiting, fails with `err`, and so does every later one. */
  closeAll(err: Error): void {
    this.closedError = err;
    const all = [...this.inFlight.values(), ...this.waiting.drain()];
    this.inFlight.clear();
    this.boundedInFlight = 0;
    for (const request of all) {
      if (request.holder) this.sender.requestSettled(request.holder);
      request.reject(err);
    }
  }

  private issue(request: Request, encoded: RequestFrame): void {
    if (request.bounded) this.boundedInFlight++;
    this.inFlight.set(request.id, request);
    try {
      this.sender.writeRequest(encoded);
    } catch (err) {
      this.reject(request.id, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private park(request: Request, encoded: RequestFrame): void {
    const { frame } = encoded;
    if (this.sender.tracing) request.message = encoded.message;
    const size = frame.length + 4;
    if (size > PARK_CHUNK / 4) {
      request.parked = frame;
      return;
    }
    if (size > PARK_CHUNK - this.chunkUsed) {
      // The full chunk lives on in the records that point into it, until the last of them is sent.
      this.chunk = Buffer.allocUnsafe(PARK_CHUNK);
      this.chunkUsed = 0;
    }
    request.parked = this.chunk;
    request.offset = this.chunkUsed;
    request.size = size;
    for (const part of frame.parts) {
      this.chunk.set(part, this.chunkUsed);
      this.chunkUsed += part.byteLength;
    }
  }

  private unpark(request: Request): RequestFrame {
    const parked = request.parked!;
    const frame = Buffer.isBuffer(parked)
      ? { parts: [parked.subarray(request.offset, request.offset + request.size)], length: request.size - 4 }
      : parked;
    const message = request.message;
    request.parked = request.message = undefined;
    return { frame, message };
  }

  private settle(id: number): Request | undefined {
    const request = this.inFlight.get(id);
    if (!request) return undefined;
    this.inFlight.delete(id);
    if (request.holder) this.sender.requestSettled(request.holder);
    if (request.bounded) {
      this.boundedInFlight--;
      this.release();
    }
    return request;
  }

  /** Sends waiting requests while there is room; a send that fails settles (and frees) its own place. */
  private release(): void {
    if (this.releasing) return;
    this.releasing = true;
    try {
      while (this.waiting.length > 0 && this.boundedInFlight < this.limit) {
        const request = this.waiting.shift()!;
        this.issue(request, this.unpark(request));
      }
    } finally {
      this.releasing = false;
    }
  }
}
