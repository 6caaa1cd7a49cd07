import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { del, frameHeader, FrameDecoder, Gateway, MessageType, ValueCodec, type Message, type TransportExit } from '../../protocol';

/** An object reference the fake agent sends (ext 1). */
class Ref {
  constructor(readonly id: number) {}
}

/** A Gateway on in-memory streams, past HELLO; the test plays the agent frame by frame. */
async function openGateway() {
  const toHost = new PassThrough();
  const fromHost = new PassThrough();
  const codec = new ValueCodec({ objectRef: (v) => (v instanceof Ref ? { id: v.id, typeName: 'module', callable: false } : undefined) });
  const received: Message[] = [];
  const decoder = new FrameDecoder();
  fromHost.on('data', (chunk: Buffer) => decoder.push(chunk, (body) => received.push(codec.decode(body) as Message)));
  const send = (m: Message) => {
    const body = codec.encode(m);
    toHost.write(Buffer.concat([frameHeader(body.length), body]));
  };
  const exited = new Promise<TransportExit>(() => {});
  const gw = new Gateway({ input: toHost, output: fromHost, exited, kill: () => toHost.end() }, { id: 't', spec: 'fake' });
  const started = gw.start();
  send([
    MessageType.HELLO,
    0,
    {
      protocol: 1,
      language: 'fake',
      version: '1',
      pid: 1,
      cwd: '/',
      executable: '/fake',
      platform: 'test',
      capabilities: [],
      maxFrame: 1 << 20,
    },
  ]);
  await started;
  /** A proxy for object `id`: the answer to an OBJECT request the host makes. */
  const proxyFor = async (id: number) => {
    const reply = gw.objectRequest(null, [['import', 'm']], 'proxy');
    await tick();
    const request = received.filter((m) => m[0] === MessageType.OBJECT).at(-1)!;
    send([MessageType.REPLY, request[1], new Ref(id)]);
    return reply;
  };
  const releases = () => received.filter((m) => m[0] === MessageType.RELEASE);
  return { gw, proxyFor, releases };
}

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('object releases', () => {
  test('with nothing else going out, a release is sent alone, once, soon after', async () => {
    const { proxyFor, releases } = await openGateway();
    await del(await proxyFor(7));
    await tick();
    assert.deepEqual(releases(), [], 'not at once: releases wait a little to be batched');
    await sleep(60);
    assert.deepEqual(releases(), [[MessageType.RELEASE, 0, [[7, 1]]]]);
    await sleep(40);
    assert.equal(releases().length, 1);
  });

  test('a release rides in the next write, and is not sent again by the timer', async () => {
    const { gw, proxyFor, releases } = await openGateway();
    const first = await proxyFor(8);
    const second = await proxyFor(9);
    await del(first);
    await del(second);
    void gw.remoteStatus();
    await tick();
    assert.deepEqual(releases(), [
      [
        MessageType.RELEASE,
        0,
        [
          [8, 1],
          [9, 1],
        ],
      ],
    ]);
    await sleep(60);
    assert.equal(releases().length, 1);
  });
});
