import { frameHeader, MessageType } from '../../../protocol';
import { CheckSkipped, expectEqual, expectTrue, fail, type Check, type CheckContext } from '../check';
import type { RawConnection } from '../rawConnection';
import { receive, snippetsOf, limits } from './helpers';

/** Sends a bad frame and returns what the agent did: an ERROR, an end of stream, or both. */
async function afterBadFrame(
  ctx: CheckContext,
  sendBad: (raw: RawConnection) => void,
): Promise<{ raw: RawConnection; error?: unknown; closed: boolean }> {
  const raw = await ctx.raw();
  const from = raw.received.length;
  sendBad(raw);
  const error = await raw.waitFor(() => raw.received.slice(from).find((m) => m[0] === MessageType.ERROR), limits.stepMs);
  const closed = await raw.waitEnd(error ? limits.stepMs : 500);
  return { raw, error: error?.[2], closed };
}

/** A protocol error must be reported (ERROR) or end the connection; silence with the stream open is a hang. */
async function expectReportedOrClosed(ctx: CheckContext, what: string, sendBad: (raw: RawConnection) => void): Promise<void> {
  const { raw, error, closed } = await afterBadFrame(ctx, sendBad);
  if (error === undefined && !closed) fail(what, `ERROR or the end of the stream within ${limits.stepMs} ms`, `neither (${raw.summary()})`);
  if (error !== undefined) expectTrue(typeof error === 'string' && error !== '', 'ERROR payload', 'a non-empty string', error);
  if (!closed) {
    // It reported and carried on: then it must still answer.
    raw.send(MessageType.STATUS, 90, null);
    await raw.reply(90, limits.stepMs, 'the reply to STATUS after the reported protocol error');
  }
}

function oversizedLength(ctx: CheckContext): number {
  const max = ctx.info.maxFrame;
  // A HELLO without a usable maxFrame is failed by the handshake checks; the default stands in here.
  return Math.min((Number.isInteger(max) && max > 0 ? max : 256 * 1024 * 1024) + 1, 0xffffffff);
}

export const framingChecks: Check[] = [
  {
    name: 'framing: an oversized frame is reported with ERROR',
    async run(ctx) {
      const { raw, error } = await afterBadFrame(ctx, (raw) => raw.write(frameHeader(oversizedLength(ctx))));
      if (error === undefined)
        fail(
          `after a header announcing ${oversizedLength(ctx)} bytes (maxFrame + 1)`,
          'ERROR',
          raw.ended ? 'the stream closed without an ERROR' : raw.summary(),
        );
    },
  },
  {
    name: 'framing: an oversized frame closes the stream without waiting for its body',
    async run(ctx) {
      const { raw, closed } = await afterBadFrame(ctx, (raw) => raw.write(frameHeader(oversizedLength(ctx))));
      if (!closed)
        fail(
          `after a header announcing ${oversizedLength(ctx)} bytes (maxFrame + 1)`,
          `the agent closes the stream within ${limits.stepMs} ms`,
          `the stream still open (${raw.summary()})`,
        );
    },
  },
  {
    name: 'framing: a body that is not msgpack gets ERROR or a clean close, no hang',
    run: (ctx) =>
      expectReportedOrClosed(ctx, 'after a frame whose body is 0xc1 (never valid msgpack)', (raw) =>
        raw.sendBody(Buffer.from([0xc1, 0xc1, 0xc1])),
      ),
  },
  {
    name: 'framing: a body that is not a [type, id, payload] message gets ERROR or a clean close',
    run: (ctx) => expectReportedOrClosed(ctx, 'after a frame whose body is the string "hello"', (raw) => raw.sendBody(raw.encode('hello'))),
  },
  {
    name: 'framing: a message id beyond 64 bits (5,000 digits) is a protocol error, reported, not a crash',
    async run(ctx) {
      const { error, closed, raw } = await afterBadFrame(ctx, (raw) =>
        raw.send(MessageType.STATUS, (10n ** 5000n) as unknown as number, null),
      );
      if (error === undefined && !closed) fail('after a STATUS whose id has 5,000 digits', 'ERROR or the end of the stream', raw.summary());
      if (error !== undefined) expectTrue(!/agent failure/i.test(String(error)), 'the ERROR', 'a protocol error naming the message', error);
      if (closed) {
        const exit = await raw.waitExit(limits.stepMs);
        if (exit) expectEqual('exit code after a bad message (§2)', exit.signal ?? exit.code, 0);
      } else {
        raw.send(MessageType.STATUS, 91, null);
        await raw.reply(91, limits.stepMs, 'the reply to STATUS after the reported protocol error');
      }
    },
  },
  {
    name: 'framing: a malformed frame before HELLO ends the agent with code 0 (§2)',
    async run(ctx) {
      const raw = await ctx.raw({ handshake: false });
      await raw.next((m) => m[0] === MessageType.HELLO, limits.stepMs, 'HELLO');
      raw.sendBody(Buffer.from([0xc1, 0xc1, 0xc1]));
      const exit = await raw.waitExit(limits.stepMs);
      if (!exit) fail('after a malformed frame before the host HELLO', `the agent exits within ${limits.stepMs} ms`, 'still running');
      expectEqual('exit code', exit.signal ?? exit.code, 0);
    },
  },
  {
    name: 'framing: frames split into single bytes and coalesced into one write are read',
    async run(ctx) {
      const raw = await ctx.raw();
      const frame = (id: number) => {
        const body = raw.encode([MessageType.STATUS, id, null]);
        return Buffer.concat([frameHeader(body.length), Buffer.from(body)]);
      };
      for (const byte of frame(1)) raw.write(Buffer.from([byte]));
      raw.write(Buffer.concat([frame(2), frame(3)]));
      for (const id of [1, 2, 3]) await raw.reply(id, limits.stepMs, `the reply to STATUS #${id}`);
    },
  },
  {
    name: "framing: the agent respects the host's maxFrame and the stream stays usable",
    needsSnippets: true,
    async run(ctx) {
      const snippets = snippetsOf(ctx);
      const hostMax = 64 * 1024;
      const raw = await ctx.raw({ maxFrame: hostMax });
      raw.send(MessageType.EXEC, 1, { source: snippets.sendBytes(100 * 1024) });
      const [, , item] = await raw.next((m) => m[0] === MessageType.DATA && m[1] === 1, limits.stepMs, 'DATA on channel 1');
      const largest = Math.max(...raw.receivedSizes);
      if (largest > hostMax) fail(`with a host maxFrame of ${hostMax}`, `no body above ${hostMax} bytes`, `a body of ${largest} bytes`);
      expectTrue(
        typeof item === 'string' && item.startsWith('refused'),
        'what the snippet sent after the refused 100 KiB item',
        "'refused: <error>' (the send raised in the remote code)",
        item,
      );
      raw.send(MessageType.STATUS, 7, null);
      await raw.reply(7, limits.stepMs, 'the reply to STATUS after the refused send');
    },
  },
  {
    name: "framing: a 1 MiB item below the agent's maxFrame round-trips",
    needsSnippets: true,
    timeoutMs: 20000,
    async run(ctx) {
      if (!(ctx.info.maxFrame >= 2 * 1024 * 1024)) throw new CheckSkipped(`the agent's maxFrame (${ctx.info.maxFrame}) is below 2 MiB`);
      const gateway = await ctx.shared();
      const payload = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
      const channel = gateway.remoteExec(snippetsOf(ctx).echo);
      await channel.send(payload);
      const back = await receive(channel, 'the 1 MiB item echoed', limits.stepMs * 3);
      expectTrue(back instanceof Uint8Array, 'echoed item', 'bytes', back);
      expectEqual('echoed 1 MiB item', Buffer.compare(Buffer.from(back), payload), 0);
      channel.close();
    },
  },
];
