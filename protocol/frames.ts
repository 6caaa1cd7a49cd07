import { ProtocolError } from './errors';

/** Default largest frame body either side accepts (PROTOCOL.md §2). */
export const DEFAULT_MAX_FRAME = 256 * 1024 * 1024;
const HEADER = 4;
/**
 * Assembled bodies from this size up to the next one are kept for the next frame when their reader says
 * nothing holds on to them (a str payload is copied out): the kernel's first touch of a fresh buffer
 * costs about as much as filling it. Bounded, so an idle gateway holds little.
 */
const REUSE_MIN = 256 * 1024;
const REUSE_MAX = 4 * 1024 * 1024;

/** Prefixes a body with its 4-byte big-endian length. */
export function frameHeader(length: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER);
  header.writeUInt32BE(length, 0);
  return header;
}

/**
 * A frame's reader. It returns true (exactly) when nothing it made holds on to the body's memory (no
 * byte array or extension over it), so the decoder may assemble a later frame in the same memory.
 */
export type OnBody = (body: Buffer) => unknown;

/**
 * Splits a byte stream into frame bodies. Chunks may hold part of a frame or many frames; bodies are
 * returned without copying when one chunk holds the whole frame. A frame that spans chunks is assembled
 * in a buffer of its size, allocated once its header is read (or the last one, when its reader let it
 * go), each chunk copied in as it arrives: the copy happens while the agent is still writing the rest,
 * not all at once at the end.
 */
export class FrameDecoder {
  /** The bytes of a header split across chunks (fewer than 4). */
  private head = Buffer.alloc(HEADER);
  private headBytes = 0;
  /** The frame being assembled, and how much of it has arrived. */
  private body: Buffer | undefined;
  private filled = 0;
  /** The memory of the last assembled body, when its reader let it go. */
  private spare: Buffer | undefined;
  /** The memory `body` was cut from. */
  private backing: Buffer | undefined;

  constructor(public maxFrame = DEFAULT_MAX_FRAME) {}

  /** Feeds one chunk; calls `onBody` for every complete frame body. Throws ProtocolError on an oversized frame. */
  push(chunk: Buffer, onBody: OnBody): void {
    let pos = 0;
    const end = chunk.length;
    if (this.body) {
      const take = Math.min(end, this.body.length - this.filled);
      chunk.copy(this.body, this.filled, 0, take);
      this.filled += take;
      pos = take;
      if (this.filled < this.body.length) return;
      const body = this.body;
      const backing = this.backing;
      this.body = this.backing = undefined;
      if (onBody(body) === true && backing !== undefined && backing.length <= REUSE_MAX) this.spare = backing;
    } else if (this.headBytes > 0) {
      const take = Math.min(end, HEADER - this.headBytes);
      chunk.copy(this.head, this.headBytes, 0, take);
      this.headBytes += take;
      pos = take;
      if (this.headBytes < HEADER) return;
      this.headBytes = 0;
      if (!this.begin(this.head, 0, chunk, pos, onBody)) return;
      pos += this.head.readUInt32BE(0);
    }
    while (end - pos >= HEADER) {
      const length = chunk.readUInt32BE(pos);
      if (!this.begin(chunk, pos, chunk, pos + HEADER, onBody)) return;
      pos += HEADER + length;
    }
    if (pos < end) {
      chunk.copy(this.head, 0, pos, end);
      this.headBytes = end - pos;
    }
  }

  /**
   * The header at `header[at]` is read and its body starts at `chunk[from]`: delivers the body if the
   * chunk holds all of it (true), else starts assembling it (false: the chunk is used up).
   */
  private begin(header: Buffer, at: number, chunk: Buffer, from: number, onBody: OnBody): boolean {
    const length = header.readUInt32BE(at);
    if (length > this.maxFrame) {
      throw new ProtocolError(
        `frame of ${length} bytes exceeds the maximum of ${this.maxFrame} bytes` +
          (length === 0x0a0a0a0a || looksLikeText(header, at)
            ? ` (the stream carries text, not frames: ${JSON.stringify(header.subarray(at, at + 60).toString('latin1'))})`
            : ''),
      );
    }
    if (chunk.length - from >= length) {
      onBody(chunk.subarray(from, from + length));
      return true;
    }
    const spare = this.spare;
    if (length >= REUSE_MIN && length <= REUSE_MAX) {
      this.backing = spare !== undefined && spare.length >= length ? spare : Buffer.allocUnsafeSlow(length);
      this.spare = undefined;
      this.body = this.backing.subarray(0, length);
    } else this.body = Buffer.allocUnsafe(length);
    this.filled = chunk.copy(this.body, 0, from);
    return false;
  }
}

function looksLikeText(buf: Buffer, pos: number): boolean {
  const sample = buf.subarray(pos, Math.min(buf.length, pos + 16));
  return sample.length >= 4 && sample.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09);
}
