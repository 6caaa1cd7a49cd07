import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Writable } from 'node:stream';
import { FrameDecoder, MessageType, ValueCodec } from '../../protocol';
import { FrameWriter } from '../../protocol/writer';
import { openGateway } from '../helpers/fakeAgent';

// Large str payloads skip the msgpack encoder's buffer (protocol/writer.ts): encoded to UTF-8 once, an
// ASCII one copied as it is. What the agent decodes must be the very string sent, whatever it holds.
describe('large str payloads', () => {
  const cases: [string, string][] = [
    ['ASCII', 'x'.repeat(512 * 1024)],
    ['two-, three- and four-byte characters', 'é✓😀'.repeat(100_000)],
    ['ASCII with one non-ASCII character at the end', 'a'.repeat(70_000) + 'ß'],
  ];
  for (const [name, value] of cases)
    test(`${name}: arrives as sent`, async () => {
      const { agent, gw } = await openGateway();
      const ch = gw.newChannel();
      await ch.send(value);
      const [, id, payload] = await agent.take(MessageType.DATA);
      assert.equal(id, ch.id);
      assert.equal(typeof payload, 'string');
      assert.ok(payload === value, `a string of ${(payload as string).length} characters, not the ${value.length} sent`);
    });
});

describe('the buffers large strs are encoded into', () => {
  test('are reused only once the stream has written them: queued frames stay intact', async () => {
    // a stream that takes each chunk's bytes only when released, as the kernel does once a full pipe
    // has room; a buffer reused before then would send another str's bytes
    const chunks: Buffer[] = [];
    const pending: (() => void)[] = [];
    const out = new Writable({
      highWaterMark: 1 << 30,
      write(chunk: Buffer, _enc, cb) {
        pending.push(() => {
          chunks.push(Buffer.from(chunk));
          cb();
        });
      },
    });
    const codec = new ValueCodec();
    const writer = new FrameWriter(out, codec, 1 << 30, () => {});
    const values = ['a', 'b', 'c', 'd', 'é'].map((c) => c.repeat(300_000));
    const sendAll = async () => {
      for (const v of values) {
        writer.write([MessageType.DATA, 1, v]);
        await new Promise((r) => setImmediate(r));
      }
    };
    await sendAll();
    const release = async () => {
      while (pending.length) {
        pending.shift()!();
        await new Promise((r) => setImmediate(r));
      }
    };
    await release();
    // the second round reuses the first round's buffers, written by now
    await sendAll();
    await release();
    const items: unknown[] = [];
    const decoder = new FrameDecoder();
    for (const c of chunks) decoder.push(c, (body) => items.push((codec.decode(body) as unknown[])[2]));
    assert.equal(items.length, 10);
    items.forEach((item, i) => assert.ok(item === values[i % 5], `item ${i} is not the str sent`));
  });
});

describe('small frames of one turn', () => {
  test('reach the stream as one chunk, whole and in order, with big payloads in their place', async () => {
    const chunks: Buffer[] = [];
    const out = new Writable({
      writev(list, cb) {
        for (const c of list) chunks.push(c.chunk as Buffer);
        cb();
      },
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    const codec = new ValueCodec();
    const writer = new FrameWriter(out, codec, 1 << 30, () => {});
    const big = Buffer.alloc(100_000, 7);
    for (let i = 0; i < 1000; i++) writer.write([MessageType.DATA, 1, i]);
    writer.write([MessageType.DATA, 1, big]);
    for (let i = 1000; i < 2000; i++) writer.write([MessageType.DATA, 1, i]);
    await new Promise((r) => setImmediate(r));
    // A stream write costs bookkeeping per chunk: 4000 small ones (a header and a body each) were the cost.
    assert.ok(chunks.length <= 6, `${chunks.length} chunks for 2001 frames`);
    const items: unknown[] = [];
    const decoder = new FrameDecoder();
    for (const c of chunks) decoder.push(c, (body) => items.push((codec.decode(body) as unknown[])[2]));
    assert.equal(items.length, 2001);
    assert.deepEqual(
      items.slice(0, 1000),
      Array.from({ length: 1000 }, (_, i) => i),
    );
    assert.ok(Buffer.isBuffer(items[1000]) && (items[1000] as Buffer).equals(big));
    assert.deepEqual(
      items.slice(1001),
      Array.from({ length: 1000 }, (_, i) => 1000 + i),
    );
  });
});
