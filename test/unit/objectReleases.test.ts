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
  fromHost.on('data', (chunk: Buffer) =>
    decoder.push(chunk, (body) => {
      const m = codec.decode(body) as Message;
      received.push(m);
      // The agent answers STATUS after handling what came before it, the RELEASE included.
      if (m[0] === MessageType.STATUS) setImmediate(() => send([MessageType.REPLY, m[1], { numobjects: 0 }]));
    }),
  );
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
  const statuses = () => received.filter((m) => m[0] === MessageType.STATUS).length;
  return { gw, proxyFor, releases, statuses };
}

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('object releases', () => {
  test('an explicit del sends its release at once, once, and resolves after the agent answered behind it', async () => {
    const { proxyFor, releases, statuses } = await openGateway();
    await del(await proxyFor(7));
    assert.deepEqual(releases(), [[MessageType.RELEASE, 0, [[7, 1]]]]);
    assert.equal(statuses(), 1, 'one STATUS, answered after the RELEASE was handled');
    await sleep(60);
    assert.equal(releases().length, 1, 'the release timer sends nothing more');
  });

  test('the explicit releases of one turn share one RELEASE and one acknowledging STATUS', async () => {
    const { proxyFor, releases, statuses } = await openGateway();
    const first = await proxyFor(8);
    const second = await proxyFor(9);
    await Promise.all([del(first), del(second)]);
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
    assert.equal(statuses(), 1);
    await sleep(60);
    assert.equal(releases().length, 1);
  });
});
