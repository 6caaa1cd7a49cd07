import { MessageType, RemoteError, type Channel, type Gateway, type LogRecord } from '../../../protocol';
import { expectEqual, expectTrue, fail, type Check } from '../check';
import { describeError, optionalSnippet, receive, snippetsOf, limits, withTimeout } from './helpers';

const STATUS_KEYS: [key: string, valid: (v: unknown) => boolean, type: string][] = [
  ...['numexecuting', 'numchannels', 'execqsize', 'numobjects', 'nextid', 'pid', 'msgsIn', 'msgsOut', 'bytesIn', 'bytesOut'].map(
    (k) =>
      [k, (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0, 'int >= 0'] as [string, (v: unknown) => boolean, string],
  ),
  ['uptime', (v) => typeof v === 'number' && v >= 0, 'number >= 0'],
];

/** Collects what the gateway emits on one of its output events until `text` has been seen. */
function outputContaining(
  gateway: Gateway,
  event: 'stdout' | 'stderr',
  text: string,
): { seen: Promise<Channel | undefined>; got(): string; stop(): void } {
  let collected = '';
  let listener!: (chunk: Buffer, channel: Channel | undefined) => void;
  const seen = new Promise<Channel | undefined>((resolve) => {
    listener = (chunk, channel) => {
      collected += chunk.toString('utf8');
      if (collected.includes(text)) resolve(channel);
    };
    gateway.on(event, listener);
  });
  return { seen, got: () => collected, stop: () => gateway.off(event, listener) };
}

async function expectOutput(
  gateway: Gateway,
  event: 'stdout' | 'stderr',
  source: string,
  text: string,
  requireChannel: boolean,
): Promise<void> {
  const watch = outputContaining(gateway, event, text);
  try {
    const channel = gateway.remoteExec(source);
    expectEqual('item after the write', await receive(channel, "'done' after the write"), 'done');
    const writer = await withTimeout(watch.seen, limits.stepMs, `${event.toUpperCase()} with ${JSON.stringify(text)}`).catch(() => {
      fail(
        `${event.toUpperCase()} messages`,
        `${JSON.stringify(text)} within ${limits.stepMs} ms`,
        watch.got() === '' ? 'no output' : watch.got(),
      );
    });
    if (requireChannel) expectEqual(`${event.toUpperCase()} id`, writer?.id, channel.id);
    await gateway.remoteStatus();
  } finally {
    watch.stop();
  }
}

export const processChecks: Check[] = [
  {
    name: 'STATUS: the reply holds every key of §5 with its type',
    async run(ctx) {
      const gateway = await ctx.shared();
      const status = (await withTimeout(gateway.remoteStatus(), limits.stepMs, 'the STATUS reply')) as unknown as Record<string, unknown>;
      expectTrue(typeof status === 'object' && status !== null, 'STATUS reply', 'a map', status);
      const wrong = STATUS_KEYS.filter(([key, valid]) => !valid(status[key])).map(
        ([key, , type]) => `${key}: ${type} (got ${JSON.stringify(status[key]) ?? 'nothing'})`,
      );
      if (wrong.length > 0) fail('STATUS keys', 'every key of §5 with its type', wrong.join('; '));
      expectEqual('STATUS pid (the HELLO pid)', status.pid, gateway.info.pid);
    },
  },
  {
    name: 'STATUS: counters count frames and body bytes, the request included',
    async run(ctx) {
      const raw = await ctx.raw();
      for (const id of [1, 2]) {
        raw.send(MessageType.STATUS, id, null);
        const reply = await raw.reply(id, limits.stepMs, `the reply to STATUS #${id}`);
        const status = reply[2] as Record<string, unknown>;
        const index = raw.received.indexOf(reply);
        const bytesOut = raw.receivedSizes.slice(0, index).reduce((a, b) => a + b, 0);
        const which = `in the reply to STATUS #${id}`;
        expectEqual(`msgsIn ${which} (host HELLO and STATUS requests)`, status?.msgsIn, raw.messagesSent);
        expectEqual(`bytesIn ${which} (their body bytes)`, status?.bytesIn, raw.bytesSent);
        expectEqual(`msgsOut ${which} (frames sent before this reply)`, status?.msgsOut, index);
        expectEqual(`bytesOut ${which} (their body bytes)`, status?.bytesOut, bytesOut);
      }
    },
  },
  {
    name: 'unknown message type: ERROR naming the code, and the agent carries on',
    async run(ctx) {
      const raw = await ctx.raw();
      raw.send(99, 0, null);
      const [, , text] = await raw.next((m) => m[0] === MessageType.ERROR, limits.stepMs, 'ERROR for message type 99');
      expectTrue(typeof text === 'string' && text.includes('99'), 'ERROR text', 'a string naming the code 99', text);
      raw.send(MessageType.STATUS, 5, null);
      const [type] = await raw.reply(5, limits.stepMs, 'the reply to STATUS after the unknown type');
      expectEqual('reply type', type, MessageType.REPLY);
    },
  },
  {
    name: 'STDOUT: printing is forwarded with the id of the channel that printed',
    needsSnippets: true,
    run: async (ctx) => expectOutput(await ctx.shared(), 'stdout', snippetsOf(ctx).print, 'conformance-stdout', true),
  },
  {
    name: 'STDERR: writing to stderr is forwarded with the id of the channel that wrote',
    needsSnippets: true,
    run: async (ctx) => expectOutput(await ctx.shared(), 'stderr', snippetsOf(ctx).printStderr, 'conformance-stderr', true),
  },
  {
    name: "fd takeover: a child process's output arrives as STDOUT, the stream intact",
    needsSnippets: true,
    run: async (ctx) => expectOutput(await ctx.shared(), 'stdout', snippetsOf(ctx).childOutput, 'conformance-child', false),
  },
  {
    name: 'fd takeover: writing to fd 1 arrives as STDOUT, the stream intact',
    needsSnippets: true,
    run: async (ctx) => expectOutput(await ctx.shared(), 'stdout', snippetsOf(ctx).writeFd1, 'conformance-fd1', false),
  },
  {
    name: 'fd takeover: fd 0 reads as empty (/dev/null), not the protocol stream',
    needsSnippets: true,
    async run(ctx) {
      const gateway = await ctx.fresh();
      const channel = gateway.remoteExec(snippetsOf(ctx).readStdin);
      expectEqual('bytes read from fd 0', await receive(channel, 'the number of bytes read from fd 0'), 0);
    },
  },
  {
    name: 'LOG: a warning is forwarded as a log record with the fields of §5',
    needsSnippets: true,
    needsCapability: 'logs',
    async run(ctx) {
      const source = optionalSnippet(ctx, 'log');
      const gateway = await ctx.shared();
      const record = new Promise<LogRecord>((resolve) => {
        const listener = (r: LogRecord) => {
          if (typeof r?.message === 'string' && r.message.includes('conformance-log')) {
            gateway.off('log', listener);
            resolve(r);
          }
        };
        gateway.on('log', listener);
      });
      gateway.remoteExec(source);
      const r = (await withTimeout(record, limits.stepMs, "a LOG record with 'conformance-log'")) as unknown as Record<string, unknown>;
      const types: [string, string][] = [
        ['time', 'number'],
        ['level', 'number'],
        ['levelname', 'string'],
        ['logger', 'string'],
        ['thread', 'string'],
        ['message', 'string'],
      ];
      const wrong = types.filter(([k, t]) => typeof r[k] !== t).map(([k, t]) => `${k}: ${t} (got ${JSON.stringify(r[k]) ?? 'nothing'})`);
      if (wrong.length > 0) fail('LOG record fields', 'every field of §5 with its type', wrong.join('; '));
      expectEqual('LOG level of a warning', r.level, 30);
      expectEqual('LOG logger', r.logger, 'conformance');
    },
  },
  {
    name: 'INTERRUPT: on a channel, the task ends with CLOSE_ERROR',
    needsSnippets: true,
    needsCapability: 'interrupt',
    async run(ctx) {
      const gateway = await ctx.fresh();
      const channel = gateway.remoteExec(snippetsOf(ctx).block);
      expectEqual('first item', await receive(channel, "'ready'"), 'ready');
      gateway.interrupt(channel);
      try {
        await channel.waitClose(limits.stepMs);
        fail('after INTERRUPT', 'CLOSE_ERROR', 'CLOSE without an error');
      } catch (err) {
        if (!(err instanceof RemoteError)) fail('after INTERRUPT', `CLOSE_ERROR within ${limits.stepMs} ms`, describeError(err));
      }
      await withTimeout(gateway.remoteStatus(), limits.stepMs, 'STATUS after the interrupt');
    },
  },
  {
    name: 'INTERRUPT: with id 0, every running task ends with CLOSE_ERROR',
    needsSnippets: true,
    needsCapability: 'interrupt',
    async run(ctx) {
      const gateway = await ctx.fresh();
      const channels = [gateway.remoteExec(snippetsOf(ctx).block), gateway.remoteExec(snippetsOf(ctx).block)];
      for (const c of channels) expectEqual('first item', await receive(c, "'ready'"), 'ready');
      gateway.interrupt();
      for (const c of channels) {
        try {
          await c.waitClose(limits.stepMs);
          fail(`channel ${c.id} after INTERRUPT 0`, 'CLOSE_ERROR', 'CLOSE without an error');
        } catch (err) {
          if (!(err instanceof RemoteError))
            fail(`channel ${c.id} after INTERRUPT 0`, `CLOSE_ERROR within ${limits.stepMs} ms`, describeError(err));
        }
      }
    },
  },
  {
    name: 'TERMINATE: the agent flushes output and exits with 0',
    async run(ctx) {
      const raw = await ctx.raw();
      const snippets = ctx.snippets;
      if (snippets) raw.send(MessageType.EXEC, 1, { source: snippets.print });
      if (snippets) await raw.next((m) => m[0] === MessageType.DATA && m[1] === 1, limits.stepMs, "'done' from the printing task");
      raw.send(MessageType.TERMINATE, 0, null);
      const exit = await raw.waitExit(limits.stepMs);
      if (!exit) fail('after TERMINATE', `the agent exits within ${limits.stepMs} ms`, 'still running');
      expectEqual('exit code after TERMINATE', exit.signal ?? exit.code, 0);
      if (snippets) {
        const out = raw.received
          .filter((m) => m[0] === MessageType.STDOUT)
          .map((m) => Buffer.from(m[2] as Uint8Array).toString('utf8'))
          .join('');
        expectTrue(out.includes('conformance-stdout'), 'STDOUT before the exit', "the printed 'conformance-stdout'", out);
      }
    },
  },
  {
    name: 'EOF: the agent exits when its input ends, even with a task waiting',
    async run(ctx) {
      const raw = await ctx.raw();
      if (ctx.snippets) {
        raw.send(MessageType.EXEC, 1, { source: ctx.snippets.echo });
        raw.send(MessageType.DATA, 1, 'x');
        await raw.next((m) => m[0] === MessageType.DATA && m[1] === 1, limits.stepMs, 'the echo of an item');
      }
      raw.endInput();
      const exit = await raw.waitExit(limits.stepMs);
      if (!exit) fail('after the end of its input', `the agent exits within ${limits.stepMs} ms`, 'still running');
    },
  },
];
