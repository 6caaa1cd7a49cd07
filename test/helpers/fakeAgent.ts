import { Writable, PassThrough } from 'node:stream';
import {
  FrameDecoder,
  frameHeader,
  Gateway,
  type GatewayOptions,
  type Message,
  MessageType,
  type ObjectRef,
  type Transport,
  type TransportExit,
  ValueCodec,
} from '../../protocol';

/** An object reference the fake agent sends (ext 1), as a real agent would export one. */
export class AgentRef implements ObjectRef {
  constructor(
    readonly id: number,
    readonly typeName = 'object',
    readonly callable = false,
  ) {}
}
export const ref = (id: number, typeName?: string, callable?: boolean) => new AgentRef(id, typeName, callable);

/** What the fake agent's codec makes of references the host sends: plain records, as on the wire. */
export type SeenRef = { id: number; typeName: string; callable: boolean };
export type SeenHostFunction = { hostFunctionId: number };

export interface FakeAgent {
  /** The transport to give a Gateway: the host under test sees only bytes. */
  readonly transport: Transport;
  /** The agent's HELLO. */
  readonly hello: Message;
  /** Every message the host wrote, in order, decoded by the agent's codec. */
  readonly received: Message[];
  /** The host's writes to the stream, each with the messages it carried (the host coalesces a turn's frames into one write). */
  readonly writes: Message[][];
  /** Sends one message to the host. */
  send(type: number, id: number, payload: unknown): void;
  /** Writes raw bytes to the host. */
  raw(bytes: Buffer): void;
  /** One encoded frame. */
  frame(message: Message): Buffer;
  /**
   * The first message from the host of `type` (and matching `where`) not taken before: one already
   * received, else the next to arrive. Each message is taken at most once.
   */
  take(type: number, where?: (message: Message) => boolean): Promise<Message>;
  /** The messages of `type` the host has sent so far. */
  sent(type: number): Message[];
  /** Replies to request `id` (REPLY). */
  reply(id: number, value: unknown): void;
  /** Ends the agent as a process would: its exit status settles the transport. */
  exit(exit: TransportExit): void;
  /** Resolves when the host has ended its output stream (nothing more can be written). */
  readonly hostEnded: Promise<void>;
}

/** How long `take` waits before it fails: a guard against hangs, far above any normal wait. */
const HANG_GUARD_MS = 10_000;

/** A scripted agent on in-memory streams, speaking frames with its own codec. */
export function fakeAgent(): FakeAgent {
  const toHost = new PassThrough();
  const context = {
    objectRef: (v: object) => (v instanceof AgentRef ? v : undefined),
  };
  const codec = new ValueCodec(context);
  const decoder = new FrameDecoder();
  const received: Message[] = [];
  const writes: Message[][] = [];
  const taken = new Set<Message>();
  const waiters: { type: number; where?: (m: Message) => boolean; resolve(m: Message): void }[] = [];
  let resolveEnded!: () => void;
  const hostEnded = new Promise<void>((r) => (resolveEnded = r));

  const matches = (m: Message, type: number, where?: (m: Message) => boolean) => m[0] === type && !taken.has(m) && (!where || where(m));
  const onWrite = (chunks: Buffer[]) => {
    const batch: Message[] = [];
    for (const chunk of chunks) decoder.push(chunk, (body) => batch.push(codec.decode(body) as Message));
    if (batch.length === 0) return;
    writes.push(batch);
    for (const m of batch) {
      received.push(m);
      // As every agent, it answers STATUS after what came before (a release is awaited that way).
      if (m[0] === MessageType.STATUS) setImmediate(() => send(MessageType.REPLY, m[1], { numobjects: 0 }));
      const i = waiters.findIndex((w) => matches(m, w.type, w.where));
      if (i >= 0) {
        taken.add(m);
        waiters.splice(i, 1)[0].resolve(m);
      }
    }
  };
  // A Writable with writev, so each corked batch of the host arrives as one write, as on a pipe.
  const fromHost = new Writable({
    write(chunk: Buffer, _enc, cb) {
      onWrite([chunk]);
      cb();
    },
    writev(chunks, cb) {
      onWrite(chunks.map((c) => c.chunk as Buffer));
      cb();
    },
    final(cb) {
      resolveEnded();
      cb();
    },
  });

  let resolveExit!: (e: TransportExit) => void;
  const exited = new Promise<TransportExit>((r) => (resolveExit = r));
  const transport: Transport = {
    input: toHost,
    output: fromHost,
    exited,
    kill: () => {
      toHost.end();
      resolveExit({ code: null, signal: 'SIGKILL', stderrTail: '' });
    },
  };
  const frame = (m: Message) => {
    const body = codec.encode(m);
    return Buffer.concat([frameHeader(body.length), body]);
  };
  const hello: Message = [
    MessageType.HELLO,
    0,
    {
      protocol: 1,
      language: 'fake',
      version: '1',
      pid: 4242,
      cwd: '/',
      executable: '/fake',
      platform: 'test',
      capabilities: ['exec', 'objects', 'callbacks'],
      maxFrame: 1 << 20,
    },
  ];
  const send = (type: number, id: number, payload: unknown) => void toHost.write(frame([type, id, payload]));
  return {
    transport,
    hello,
    received,
    writes,
    send,
    raw: (b) => void toHost.write(b),
    frame,
    take(type, where) {
      const found = received.find((m) => matches(m, type, where));
      if (found) {
        taken.add(found);
        return Promise.resolve(found);
      }
      // Like a live agent process, a wait keeps the event loop alive (the host's release timer is
      // unref'd); the guard turns a message that never comes into a failure naming it, not a hang.
      return new Promise((resolve, reject) => {
        const waiter = {
          type,
          where,
          resolve: (m: Message) => {
            clearTimeout(guard);
            resolve(m);
          },
        };
        const guard = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`the host sent no message of type ${type}${where ? ' matching the test' : ''} within ${HANG_GUARD_MS} ms`));
        }, HANG_GUARD_MS);
        waiters.push(waiter);
      });
    },
    sent: (type) => received.filter((m) => m[0] === type),
    reply: (id, value) => send(MessageType.REPLY, id, value),
    exit: (e) => resolveExit(e),
    hostEnded,
  };
}

/** A Gateway on a fake agent, past the HELLO exchange. */
export async function openGateway(options: Partial<GatewayOptions> = {}): Promise<{ agent: FakeAgent; gw: Gateway }> {
  const agent = fakeAgent();
  const gw = new Gateway(agent.transport, { id: 't', spec: 'fake', ...options });
  const started = gw.start();
  agent.raw(agent.frame(agent.hello));
  await started;
  await agent.take(MessageType.HELLO);
  return { agent, gw };
}

/** Lets pending I/O callbacks and timers of zero delay run once. */
export const tick = () => new Promise((r) => setImmediate(r));

/**
 * Resolves once the host has read everything the agent sent so far: the agent sends a LOG record and
 * waits for the gateway to emit it (frames are handled in order).
 */
export function delivered(agent: FakeAgent, gw: Gateway): Promise<void> {
  return new Promise((resolve) => {
    const marker = `sync-${Math.random()}`;
    const onLog = (record: { message: string }) => {
      if (record.message !== marker) return;
      gw.off('log', onLog);
      resolve();
    };
    gw.on('log', onLog);
    agent.send(MessageType.LOG, 0, { time: 0, level: 10, levelname: 'DEBUG', logger: 'sync', thread: 'main', message: marker });
  });
}

/** One OBJECT request as the agent sees it. */
export interface ObjectRequest {
  /** The request id, for the reply. */
  id: number;
  target: number | null;
  steps: unknown[];
  returnType: string;
}

/** The next OBJECT request from the host, on object `target` when given. */
export async function takeObjectRequest(agent: FakeAgent, target?: number | null): Promise<ObjectRequest> {
  const payload = (m: Message) => m[2] as [number | null, unknown[], string];
  const [, id, [on, steps, returnType]] = (await agent.take(
    MessageType.OBJECT,
    target === undefined ? undefined : (m) => payload(m)[0] === target,
  )) as [number, number, [number | null, unknown[], string]];
  return { id, target: on, steps, returnType };
}

/** A resolved proxy for remote object `id`: the host asks the agent's root, the fake agent answers with a reference. */
export async function remoteObject(agent: FakeAgent, gw: Gateway, id: number, typeName = 'object', callable = false): Promise<any> {
  const answer = gw.objectRequest(null, [['import', `module${id}`]], 'proxy');
  agent.reply((await takeObjectRequest(agent, null)).id, ref(id, typeName, callable));
  return answer;
}

/** What `await chain` does: a chain of proxy steps sends itself when its `then` is called. */
export const awaited = (chain: unknown): Promise<unknown> => Promise.resolve(chain);

/** A STATUS request answered by the fake agent: whatever the host had queued before it has been written by then. */
export async function roundTrip(agent: FakeAgent, gw: Gateway): Promise<void> {
  const status = gw.remoteStatus();
  agent.reply((await agent.take(MessageType.STATUS))[1], {});
  await status;
}
