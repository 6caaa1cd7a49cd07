import type { Writable } from 'stream';
import type { ValueCodec } from './codec';
import { EncodeError } from './errors';
import { frameHeader } from './frames';
import type { Message } from './messages';

/** Byte payloads (and str payloads of as many characters) at least this large skip the encoder's buffer. */
const ZERO_COPY_MIN = 64 * 1024;
/** Queued bytes above which `drained()` makes senders wait for the stream (flow control). */
const SEND_HIGH_WATER = 8 * 1024 * 1024;
/** Bytes of small frames gathered into one write. */
const STAGE_SIZE = 64 * 1024;

/** One frame ready to write: its parts in order, and the body's length. */
export interface EncodedFrame {
  readonly parts: readonly Uint8Array[];
  readonly length: number;
}

/**
 * Writes frames to one stream. Frames written in one turn of the event loop are coalesced into one
 * write (cork until the next tick), and a message whose payload is a large byte array is written
 * without copying the payload (a large string with one native UTF-8 encoding).
 */
export class FrameWriter {
  private corked = false;
  private ended = false;
  private drainWaiter?: Promise<void>;
  /**
   * Small frames of this turn, copied one after the other and written as one chunk at the flush: a
   * stream write costs about a microsecond of bookkeeping, as much as encoding a small message.
   */
  private stage = Buffer.allocUnsafe(STAGE_SIZE);
  private staged = 0;

  constructor(
    private readonly output: Writable,
    private readonly codec: ValueCodec,
    public maxFrame: number,
    /** Called at each flush while still corked, so what it writes (the batched releases) rides in the same write. */
    private readonly beforeFlush: () => void,
  ) {}

  /** Encodes and queues one message; returns the body's size. Throws (nothing queued) if it cannot be sent. */
  write(message: Message): number {
    const frame = this.encode(message);
    this.writeEncoded(frame);
    return frame.length;
  }

  /**
   * Encodes one message into the frame to write later (a DATA item held back by its channel's window);
   * throws, as `write` does, if it cannot be sent.
   */
  encode(message: Message): EncodedFrame {
    const codec = this.codec;
    if (this.ended) throw new EncodeError('the stream to the agent has ended');
    const payload = message[2];
    // A large str is encoded to UTF-8 once, natively, and written as it is (msgpack str 32).
    const large =
      payload instanceof Uint8Array && payload.byteLength >= ZERO_COPY_MIN
        ? { bytes: payload, marker: 0xc6 }
        : typeof payload === 'string' && payload.length >= ZERO_COPY_MIN
          ? { bytes: utf8Bytes(payload), marker: 0xdb }
          : undefined;
    if (large) {
      const prefix = Buffer.concat([
        Buffer.from([0x93]),
        codec.encode(message[0]),
        codec.encode(message[1]),
        Buffer.from([large.marker, 0, 0, 0, 0]),
      ]);
      prefix.writeUInt32BE(large.bytes.byteLength, prefix.length - 4);
      const length = prefix.length + large.bytes.byteLength;
      this.checkSize(length);
      return { parts: [Buffer.concat([frameHeader(length), prefix]), large.bytes], length };
    }
    const body = codec.encode(message);
    this.checkSize(body.length);
    return { parts: [frameHeader(body.length), body], length: body.length };
  }

  /** Queues a frame made by `encode`. */
  writeEncoded(frame: EncodedFrame): void {
    if (this.ended) throw new EncodeError('the stream to the agent has ended');
    this.schedule();
    const size = frame.length + 4;
    if (size > STAGE_SIZE - this.staged) {
      this.writeStaged();
      if (size > STAGE_SIZE) {
        for (const part of frame.parts) this.output.write(part);
        return;
      }
    }
    for (const part of frame.parts) {
      this.stage.set(part, this.staged);
      this.staged += part.byteLength;
    }
  }

  /** Resolves at once while the stream keeps up, else when it has drained. */
  drained(): Promise<void> {
    if (this.output.writableLength + this.staged < SEND_HIGH_WATER || this.ended) return Promise.resolve();
    this.drainWaiter ??= new Promise<void>((resolve) => {
      const done = () => {
        this.output.off('drain', done);
        this.output.off('close', done);
        this.drainWaiter = undefined;
        resolve();
      };
      this.output.on('drain', done);
      this.output.on('close', done);
    });
    return this.drainWaiter;
  }

  end(): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    this.output.end();
  }

  private writeStaged(): void {
    if (this.staged === 0) return;
    // The stream keeps the chunk until it is written: it gets a copy, and the stage is reused.
    this.output.write(Buffer.from(this.stage.subarray(0, this.staged)));
    this.staged = 0;
  }

  private checkSize(length: number): void {
    if (length > this.maxFrame) {
      throw new EncodeError(`a message of ${length} bytes exceeds the agent's maximum frame of ${this.maxFrame} bytes; nothing was sent`);
    }
  }

  private schedule(): void {
    if (this.corked) return;
    this.corked = true;
    this.output.cork();
    process.nextTick(() => this.flush());
  }

  private flush(): void {
    if (!this.corked) return;
    if (!this.output.destroyed) this.beforeFlush();
    this.writeStaged();
    this.corked = false;
    this.output.uncork();
  }
}

/** A string's UTF-8 bytes; an ASCII one (each character one byte) is copied, not encoded. */
function utf8Bytes(value: string): Buffer {
  return Buffer.from(value, Buffer.byteLength(value, 'utf8') === value.length ? 'latin1' : 'utf8');
}
