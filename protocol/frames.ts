import { ProtocolError } from './errors';

/** Default largest frame body either side accepts (PROTOCOL.md §2). */
export const DEFAULT_MAX_FRAME = 256 * 1024 * 1024;
const HEADER = 4;

/** Prefixes a body with its 4-byte big-endian length. */
export function frameHeader(length: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER);
  header.writeUInt32BE(length, 0);
  return header;
}

/**
 * Splits a byte stream into frame bodies. Chunks may hold part of a frame or many frames; bodies are
 * returned without copying when one chunk holds the whole frame.
 */
export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Length of the frame being assembled, or -1 while the header is incomplete. */
  private need = -1;

  constructor(public maxFrame = DEFAULT_MAX_FRAME) {}

  /** Feeds one chunk; calls `onBody` for every complete frame body. Throws ProtocolError on an oversized frame. */
  push(chunk: Buffer, onBody: (body: Buffer) => void): void {
    let buf = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      const total = this.need < 0 ? HEADER : HEADER + this.need;
      if (this.pendingBytes < total) return;
      buf = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let pos = 0;
    const end = buf.length;
    while (end - pos >= HEADER) {
      const length = buf.readUInt32BE(pos);
      if (length > this.maxFrame) {
        throw new ProtocolError(
          `frame of ${length} bytes exceeds the maximum of ${this.maxFrame} bytes` +
            (length === 0x0a0a0a0a || looksLikeText(buf, pos)
              ? ` (the stream carries text, not frames: ${JSON.stringify(buf.subarray(pos, pos + 60).toString('latin1'))})`
              : ''),
        );
      }
      if (end - pos - HEADER < length) {
        this.need = length;
        break;
      }
      const body = buf.subarray(pos + HEADER, pos + HEADER + length);
      pos += HEADER + length;
      this.need = -1;
      onBody(body);
    }
    if (pos < end) {
      const rest = buf.subarray(pos);
      this.pending.push(rest);
      this.pendingBytes = rest.length;
      if (rest.length < HEADER) this.need = -1;
    } else {
      this.need = -1;
    }
  }
}

function looksLikeText(buf: Buffer, pos: number): boolean {
  const sample = buf.subarray(pos, Math.min(buf.length, pos + 16));
  return sample.length >= 4 && sample.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09);
}
