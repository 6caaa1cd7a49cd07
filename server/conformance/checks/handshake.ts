import { MessageType, PROTOCOL_VERSION } from '../../../protocol';
import { expectEqual, expectTrue, fail, show, type Check } from '../check';
import { limits } from './helpers';

const CAPABILITIES = ['exec', 'objects', 'callbacks', 'interrupt', 'logs', 'session'];

const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
const isStr = (v: unknown) => typeof v === 'string';
const HELLO_FIELDS: [key: string, type: string, valid: (v: unknown) => boolean, optional?: boolean][] = [
  ['protocol', 'int', isInt],
  ['language', 'non-empty str', (v) => isStr(v) && v !== ''],
  ['version', 'str', isStr],
  ['implementation', 'str', isStr, true],
  ['pid', 'positive int', (v) => isInt(v) && (v as number) > 0],
  ['cwd', 'non-empty str', (v) => isStr(v) && v !== ''],
  ['executable', 'str', isStr],
  ['platform', 'str', isStr],
  ['capabilities', 'array of str', (v) => Array.isArray(v) && v.every(isStr)],
  ['maxFrame', 'positive int', (v) => isInt(v) && (v as number) > 0],
];

export const handshakeChecks: Check[] = [
  {
    name: 'handshake: the agent speaks first, with HELLO on id 0',
    async run(ctx) {
      const raw = await ctx.raw({ handshake: false });
      const first = await raw.next(() => true, limits.stepMs, 'the first frame');
      expectEqual('first message type', first[0], MessageType.HELLO);
      expectEqual('HELLO id', first[1], 0);
    },
  },
  {
    name: 'handshake: HELLO fields and types (§4)',
    async run(ctx) {
      const raw = await ctx.raw({ handshake: false });
      const [, , hello] = await raw.next((m) => m[0] === MessageType.HELLO, limits.stepMs, 'HELLO');
      expectTrue(typeof hello === 'object' && hello !== null && !Array.isArray(hello), 'HELLO payload', 'a map', hello);
      const map = hello as Record<string, unknown>;
      const wrong = HELLO_FIELDS.filter(([key, , valid, optional]) => !(optional && !(key in map)) && !valid(map[key])).map(
        ([key, type]) => `${key}: ${type} (got ${JSON.stringify(map[key]) ?? 'nothing'})`,
      );
      if (wrong.length > 0) fail('HELLO fields', 'every required key with its type', wrong.join('; '));
      expectTrue(
        isInt(map.protocol) && (map.protocol as number) >= 1,
        'HELLO protocol',
        'its highest version, an int of at least 1',
        map.protocol,
      );
      const unknown = (map.capabilities as string[]).filter((c) => !CAPABILITIES.includes(c));
      if (unknown.length > 0) fail('HELLO capabilities', `a subset of ${CAPABILITIES.join(', ')}`, show(unknown));
    },
  },
  {
    name: 'handshake: a host HELLO with no version the agent speaks gets ERROR naming both, then close',
    async run(ctx) {
      const raw = await ctx.raw({ handshake: false });
      await raw.handshake(limits.stepMs, { protocol: 0, maxFrame: 1024 * 1024 });
      const [, , text] = await raw.next((m) => m[0] === MessageType.ERROR, limits.stepMs, 'ERROR after a HELLO with protocol 0');
      expectTrue(
        typeof text === 'string' && /\b0\b/.test(text) && /\b1\b/.test(text),
        'ERROR text',
        'a string naming version 0 and the versions the agent speaks',
        text,
      );
      if (!(await raw.waitEnd(limits.stepMs)))
        fail('after the version mismatch', `the agent closes within ${limits.stepMs} ms`, 'the stream still open');
    },
  },
  {
    name: "handshake: a host of a higher version is met at the agent's own; a version-1 host is served version 1 (§4)",
    async run(ctx) {
      for (const [hostSpeaks, expected] of [
        [99, undefined],
        [1, 1],
      ] as const) {
        const raw = await ctx.raw({ handshake: false });
        const [, , hello] = await raw.next((m) => m[0] === MessageType.HELLO, limits.stepMs, 'HELLO');
        const agentSpeaks = (hello as { protocol: number }).protocol;
        raw.send(MessageType.HELLO, 0, { protocol: hostSpeaks, maxFrame: 256 * 1024 * 1024 });
        raw.send(MessageType.STATUS, 1, null);
        const [type, , status] = await raw.reply(1, limits.stepMs, `the reply to a STATUS after a host HELLO of version ${hostSpeaks}`);
        expectEqual(`reply type with a version-${hostSpeaks} host`, type, MessageType.REPLY);
        const used = (status as { protocol?: unknown }).protocol;
        // `protocol` in STATUS is optional (§5); when an agent reports it, it must be the negotiated one.
        if (used !== undefined)
          expectEqual(`negotiated version with a version-${hostSpeaks} host`, used, expected ?? Math.min(agentSpeaks, hostSpeaks));
        raw.close();
      }
    },
  },
  {
    name: 'handshake: nothing is acted on before the host HELLO',
    async run(ctx) {
      const raw = await ctx.raw({ handshake: false });
      await raw.next((m) => m[0] === MessageType.HELLO, limits.stepMs, 'HELLO');
      raw.send(MessageType.STATUS, 1, null);
      // A reply can only come from an agent that acts early; give it the time a reply normally takes.
      const early = await raw.waitFor(() => raw.received.find((m) => m[0] === MessageType.REPLY), 300);
      if (early) fail('STATUS sent before the host HELLO', 'no reply until the host HELLO', 'a REPLY');
      raw.send(MessageType.HELLO, 0, { protocol: PROTOCOL_VERSION, maxFrame: 256 * 1024 * 1024 });
      raw.send(MessageType.STATUS, 2, null);
      const [type] = await raw.reply(2, limits.stepMs, 'the reply to a STATUS after the host HELLO');
      expectEqual('reply type', type, MessageType.REPLY);
    },
  },
];
