import {
  FrameDecoder,
  frameHeader,
  MessageType,
  PROTOCOL_VERSION,
  ValueCodec,
  type AgentInfo,
  type Message,
  type Transport,
  type TransportExit,
} from '../../protocol';
import type { ObjectRef } from '../../protocol/codec';
import { MESSAGE_NAMES } from '../../protocol/messages';
import { fail } from './check';

/** A remote object reference as a raw connection sees it (ext 1), sendable back as is. */
export class RawRef implements ObjectRef {
  constructor(
    readonly id: number,
    readonly typeName: string,
    readonly callable: boolean,
  ) {}
}

/** A channel reference (ext 3) as a raw connection sees it, sendable back as is. */
export class RawChannelRef {
  constructor(readonly channelId: number) {}
}

/** A host function reference (ext 2) for raw OBJECT requests. */
export class RawHostFn {
  constructor(readonly hostFunctionId: number) {}
}

/**
 * One agent spoken to frame by frame, for the checks a Gateway would refuse to make: oversized and
 * malformed frames, unknown types, exact counters. Every frame the agent sends is kept in arrival order.
 */
export class RawConnection {
  readonly received: Message[] = [];
  /** Body sizes of the frames received, index for index with `received`. */
  readonly receivedSizes: number[] = [];
  /** Set when the agent's bytes could not be read as frames. */
  readError?: string;
  /** True once the agent's output stream has ended. */
  ended = false;
  /** Body bytes sent, for checking the agent's counters. */
  bytesSent = 0;
  messagesSent = 0;
  info?: AgentInfo;
  readonly exited: Promise<TransportExit>;
  private readonly codec: ValueCodec;
  private readonly decoder = new FrameDecoder(0xffffffff);
  private wakeups: (() => void)[] = [];
  private exitInfo?: TransportExit;

  constructor(readonly transport: Transport) {
    this.codec = new ValueCodec({
      objectRef: (v) => (v instanceof RawRef ? v : undefined),
      objectFromRef: (ref) => new RawRef(ref.id, ref.typeName, ref.callable),
      channelId: (v) => (v instanceof RawChannelRef ? v.channelId : undefined),
      channelFromId: (id) => new RawChannelRef(id),
      hostFunctionId: (fn) => (fn instanceof RawHostFn ? fn.hostFunctionId : undefined),
      hostFunctionFromId: (id) => new RawHostFn(id),
    });
    transport.input.on('data', (chunk: Buffer) => this.onBytes(chunk));
    transport.input.on('end', () => {
      this.ended = true;
      this.wake();
    });
    transport.input.on('error', () => {
      this.ended = true;
      this.wake();
    });
    transport.output.on('error', () => {
      // EPIPE once the agent has gone: the checks look at `ended` and `exited`.
    });
    this.exited = transport.exited.then((exit) => {
      this.exitInfo = exit;
      this.ended = true;
      this.wake();
      return exit;
    });
  }

  /** Waits for the agent's HELLO and answers with the host's (or with `hello` when given). */
  async handshake(
    timeoutMs: number,
    hello: Record<string, unknown> = { protocol: PROTOCOL_VERSION, maxFrame: 256 * 1024 * 1024 },
  ): Promise<AgentInfo> {
    const [, , payload] = await this.next((m) => m[0] === MessageType.HELLO, timeoutMs, 'the agent HELLO');
    this.info = payload as AgentInfo;
    this.send(MessageType.HELLO, 0, hello);
    return this.info;
  }

  send(type: number, id: number, payload: unknown): void {
    this.sendBody(this.codec.encode([type, id, payload]));
  }

  /** Writes one frame around an arbitrary body (a malformed one, for instance). */
  sendBody(body: Uint8Array): void {
    this.bytesSent += body.length;
    this.messagesSent++;
    this.write(Buffer.concat([frameHeader(body.length), body]));
  }

  write(bytes: Buffer): void {
    if (!this.transport.output.writableEnded && !this.transport.output.destroyed) this.transport.output.write(bytes);
  }

  encode(value: unknown): Uint8Array {
    return this.codec.encode(value);
  }

  /** Ends the agent's input stream (EOF). */
  endInput(): void {
    if (!this.transport.output.writableEnded) this.transport.output.end();
  }

  /** The first message from `from` on (in arrival order) that matches; fails the check when none comes. */
  async next(match: (m: Message) => boolean, timeoutMs: number, what: string, from = 0): Promise<Message> {
    // The end of the stream settles the wait at once: nothing more can come.
    const found = await this.waitFor(() => this.received.slice(from).find(match) ?? (this.ended ? null : undefined), timeoutMs);
    if (found) return found;
    fail(
      `waiting for ${what}`,
      `it within ${timeoutMs} ms`,
      this.ended ? `the agent closed the stream first${this.exitText()}` : `nothing (${this.summary(from)})`,
    );
  }

  /** The reply (REPLY or REPLY_ERROR) to request `id`. */
  reply(id: number, timeoutMs: number, what: string): Promise<Message> {
    return this.next((m) => (m[0] === MessageType.REPLY || m[0] === MessageType.REPLY_ERROR) && m[1] === id, timeoutMs, what);
  }

  /** Resolves with the value `probe` returns once it is not undefined, or undefined after `timeoutMs`. */
  waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    return new Promise((resolve) => {
      const deadline = setTimeout(() => finish(undefined), timeoutMs);
      const finish = (value: T | undefined) => {
        clearTimeout(deadline);
        this.wakeups = this.wakeups.filter((w) => w !== poll);
        resolve(value);
      };
      const poll = () => {
        const value = probe();
        if (value !== undefined) finish(value);
      };
      this.wakeups.push(poll);
      poll();
    });
  }

  /** Resolves true once the agent's stream has ended (or its process has exited), false after `timeoutMs`. */
  async waitEnd(timeoutMs: number): Promise<boolean> {
    return (await this.waitFor(() => (this.ended ? true : undefined), timeoutMs)) === true;
  }

  /** Resolves with the process's exit once it is gone, undefined after `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<TransportExit | undefined> {
    return this.waitFor(() => this.exitInfo, timeoutMs);
  }

  /** The names of the messages received since `from`, for a failure's "got". */
  summary(from = 0): string {
    const seen = this.received.slice(from).map((m) => `${MESSAGE_NAMES[m[0]] ?? `type ${m[0]}`}#${m[1]}`);
    const tail = seen.length > 12 ? ['…', ...seen.slice(-12)] : seen;
    return seen.length === 0 ? 'no messages' : `received ${tail.join(', ')}`;
  }

  exitText(): string {
    const e = this.exitInfo;
    if (!e) return '';
    const how = e.signal ? ` (killed by ${e.signal})` : ` (exit code ${e.code})`;
    const lines = e.stderrTail
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== '' && !/^\s+at /.test(l));
    const tail = lines.slice(-4).join(' | ');
    return how + (tail ? `; stderr: ${tail.slice(0, 300)}` : '');
  }

  close(): void {
    this.endInput();
    this.transport.kill();
  }

  private onBytes(chunk: Buffer): void {
    if (this.readError) return;
    try {
      this.decoder.push(chunk, (body) => {
        const message = this.codec.decode(body) as Message;
        if (!Array.isArray(message) || message.length !== 3 || typeof message[0] !== 'number') {
          throw new Error(`a frame body is not a [type, id, payload] message: ${JSON.stringify(message)?.slice(0, 80)}`);
        }
        this.received.push(message);
        this.receivedSizes.push(body.length);
      });
    } catch (err) {
      this.readError = err instanceof Error ? err.message : String(err);
    }
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.wakeups]) w();
  }
}
