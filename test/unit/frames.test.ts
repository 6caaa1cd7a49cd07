import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FrameDecoder, frameHeader, ProtocolError } from '../../protocol';

const frame = (body: Buffer) => Buffer.concat([frameHeader(body.length), body]);
const collect = (decoder: FrameDecoder, chunks: Buffer[]) => {
  const bodies: string[] = [];
  for (const c of chunks) decoder.push(c, (b) => bodies.push(b.toString()));
  return bodies;
};

describe('frames', () => {
  test('a frame split across many chunks is reassembled', () => {
    const bytes = frame(Buffer.from('hello world'));
    const chunks = Array.from(bytes).map((b) => Buffer.from([b]));
    assert.deepEqual(collect(new FrameDecoder(), chunks), ['hello world']);
  });

  test('frames coalesced into one chunk come out one by one, in order', () => {
    const bytes = Buffer.concat(['a', 'bb', '', 'ccc'].map((s) => frame(Buffer.from(s))));
    assert.deepEqual(collect(new FrameDecoder(), [bytes]), ['a', 'bb', '', 'ccc']);
  });

  test('a 4 MiB frame read in 64 KiB chunks, between small frames, comes out whole and in order', () => {
    const big = Buffer.alloc(4 << 20);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
    const bytes = Buffer.concat([frame(Buffer.from('before')), frame(big), frame(Buffer.from('after'))]);
    const bodies: Buffer[] = [];
    const decoder = new FrameDecoder();
    // An odd chunk size, so that headers and bodies are cut everywhere.
    for (let i = 0; i < bytes.length; i += 65531) decoder.push(bytes.subarray(i, i + 65531), (b) => bodies.push(Buffer.from(b)));
    assert.equal(bodies.length, 3);
    assert.equal(bodies[0].toString(), 'before');
    assert.ok(bodies[1].equals(big));
    assert.equal(bodies[2].toString(), 'after');
  });

  test('an assembled body is reused for the next only when its reader let it go, and each comes out whole', () => {
    const bodies = ['a', 'b', 'c', 'd'].map((c) => Buffer.alloc(1 << 20, c));
    const chunks: Buffer[] = [];
    for (const b of bodies) {
      const bytes = frame(b);
      for (let i = 0; i < bytes.length; i += 65536) chunks.push(bytes.subarray(i, i + 65536));
    }
    const seen: { text: string; memory: ArrayBufferLike }[] = [];
    const decoder = new FrameDecoder();
    // the reader keeps the second body (a byte array over it would), and lets the others go
    for (const c of chunks)
      decoder.push(c, (b) => {
        seen.push({ text: b.toString('latin1', 0, 1) + b.toString('latin1', b.length - 1), memory: b.buffer });
        return seen.length !== 2;
      });
    assert.deepEqual(
      seen.map((s) => s.text),
      ['aa', 'bb', 'cc', 'dd'],
    );
    assert.equal(seen[1].memory, seen[0].memory, 'the first body was let go: the second reuses its memory');
    assert.notEqual(seen[2].memory, seen[1].memory, 'the second body was kept: the third must not reuse its memory');
    assert.equal(seen[3].memory, seen[2].memory, 'the third body was let go: the fourth reuses its memory');
  });

  test('a chunk boundary inside the length header is handled', () => {
    const bytes = Buffer.concat([frame(Buffer.from('first')), frame(Buffer.from('second'))]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      assert.deepEqual(collect(new FrameDecoder(), [bytes.subarray(0, cut), bytes.subarray(cut)]), ['first', 'second'], `cut at ${cut}`);
    }
  });

  test('an oversized frame is a ProtocolError naming both sizes, and no allocation', () => {
    const decoder = new FrameDecoder(1024);
    assert.throws(
      () => decoder.push(frameHeader(1025), () => assert.fail('no body expected')),
      (err: Error) => {
        assert.ok(err instanceof ProtocolError);
        assert.match(err.message, /1025 bytes exceeds the maximum of 1024/);
        return true;
      },
    );
  });

  test('text on the stream (a stray print) is reported as text, not as a huge frame', () => {
    const decoder = new FrameDecoder(1024 * 1024);
    assert.throws(
      () => decoder.push(Buffer.from('Traceback (most recent call last):\n'), () => {}),
      /carries text, not frames: "Traceback/,
    );
  });
});
