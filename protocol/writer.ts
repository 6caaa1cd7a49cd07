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
  /** Called once the stream is done with the parts (a large str's bytes go back to `StrBuffers`). */
  readonly written?: () => void;
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
  private readonly strBuffers = new StrBuffers();

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
        ? { bytes: payload, marker: 0xc6, written: undefined }
        : typeof payload === 'string' && payload.length >= ZERO_COPY_MIN
          ? { marker: 0xdb, ...this.strBuffers.encode(payload) }
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
      return { parts: [Buffer.concat([frameHeader(length), prefix]), large.bytes], length, written: large.written };
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
        const last = frame.parts.length - 1;
        frame.parts.forEach((part, i) => this.output.write(part, i === last ? frame.written : undefined));
        return;
      }
    }
    for (const part of frame.parts) {
      this.stage.set(part, this.staged);
      this.staged += part.byteLength;
    }
    frame.written?.();
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

/**
 * Bytes of buffers kept for reuse, at most: what an idle host holds on to, and enough for the frames the
 * stream may queue before senders wait (SEND_HIGH_WATER).
 */
const STR_BUFFERS_KEPT = 16 * 1024 * 1024;
/** A buffer is reused for a string needing no less than this share of it. */
const STR_BUFFER_FILL = 0.5;

/**
 * The buffers large strings are encoded into, each taken back once the stream has written it. Mapping a
 * fresh megabyte costs the kernel more than encoding a megabyte of ASCII into memory already mapped
 * (about 200 µs against 30–100 µs here); a buffer is reused only after its write completed.
 */
export class StrBuffers {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;
  private readonly encoder = new TextEncoder();

  /** The UTF-8 of `value` (lone surrogates as U+FFFD, as Buffer.from writes them), and what to call once it is written. */
  encode(value: string): { bytes: Buffer; written: () => void } {
    // Sized for ASCII first: when every character was read, every one took a byte.
    let buffer = this.take(value.length);
    let done = this.encoder.encodeInto(value, buffer);
    if (done.read !== value.length) {
      this.give(buffer);
      buffer = this.take(Buffer.byteLength(value, 'utf8'));
      done = this.encoder.encodeInto(value, buffer);
    }
    const full = buffer;
    return { bytes: buffer.subarray(0, done.written), written: () => this.give(full) };
  }

  private take(size: number): Buffer {
    const i = this.free.findIndex((b) => b.length >= size && size >= b.length * STR_BUFFER_FILL);
    if (i < 0) return Buffer.allocUnsafeSlow(size);
    const [buffer] = this.free.splice(i, 1);
    this.freeBytes -= buffer.length;
    return buffer;
  }

  private give(buffer: Buffer): void {
    // the oldest go first: the sizes in use now are the ones worth keeping
    while (this.free.length && this.freeBytes + buffer.length > STR_BUFFERS_KEPT) this.freeBytes -= this.free.shift()!.length;
    if (this.freeBytes + buffer.length > STR_BUFFERS_KEPT) return;
    this.free.push(buffer);
    this.freeBytes += buffer.length;
  }
}
