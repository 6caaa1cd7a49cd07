import { MessageType, PROTOCOL_VERSION, type Message } from '../../../protocol';
import { CheckSkipped, expectEqual, expectTrue, show, type Check, type CheckContext } from '../check';
import type { RawConnection } from '../rawConnection';
import { limits, snippetsOf } from './helpers';

const MAX_FRAME = 256 * 1024 * 1024;

/** A raw connection whose host HELLO gives the agent a window of `items` (and 1 MiB) on each channel. */
async function rawWithWindow(ctx: CheckContext, items: number, extra: Record<string, unknown> = {}): Promise<RawConnection> {
  if (ctx.info.protocol < 2) throw new CheckSkipped(`the agent speaks protocol version ${ctx.info.protocol}; windows came in 2`);
  if (!Array.isArray(ctx.info.window))
    throw new CheckSkipped('the agent announces no window in its HELLO: it does not hold DATA to windows');
  const raw = await ctx.raw({ handshake: false });
  await raw.handshake(limits.stepMs, { protocol: PROTOCOL_VERSION, maxFrame: MAX_FRAME, window: [items, 1 << 20], ...extra });
  return raw;
}

const isData = (id: number) => (m: Message) => m[0] === MessageType.DATA && m[1] === id;
const isEnd = (id: number) => (m: Message) => (m[0] === MessageType.CLOSE || m[0] === MessageType.CLOSE_ERROR) && m[1] === id;

/** The DATA items received on channel `id`, in order. */
function itemsOn(raw: RawConnection, id: number): unknown[] {
  return raw.received.filter(isData(id)).map((m) => m[2]);
}

export const windowChecks: Check[] = [
  {
    name: "CREDIT: the agent's HELLO announces its window as [items, bytes]",
    async run(ctx) {
      if (ctx.info.window === undefined) throw new CheckSkipped('the agent announces no window (it does not hold DATA to windows)');
      const w: unknown = ctx.info.window;
      expectTrue(
        Array.isArray(w) && w.length === 2 && w.every((n) => Number.isSafeInteger(n) && (n as number) > 0),
        'HELLO window',
        '[items, bytes], both positive integers',
        show(w),
      );
    },
  },
  {
    name: "CREDIT: the agent holds DATA to the host's window and resumes on CREDIT, in order, CLOSE last",
    needsSnippets: true,
    async run(ctx) {
      const raw = await rawWithWindow(ctx, 2);
      try {
        raw.send(MessageType.EXEC, 1, { source: snippetsOf(ctx).sendFive });
        await raw.next((m) => raw.received.filter(isData(1)).length >= 2 || m[0] === MessageType.CLOSE, limits.stepMs, 'two DATA items');
        // A STATUS round trip: not held back by the window, and anything sent before its REPLY has arrived.
        raw.send(MessageType.STATUS, 90, null);
        await raw.reply(90, limits.stepMs, 'the STATUS reply while the window is spent');
        expectEqual('DATA items sent within a window of 2', itemsOn(raw, 1), [0, 1]);
        raw.send(MessageType.CREDIT, 1, [3, 1 << 20]);
        await raw.next(isEnd(1), limits.stepMs, 'the CLOSE after the CREDIT');
        expectEqual('all items, in order', itemsOn(raw, 1), [0, 1, 2, 3, 4]);
        expectEqual('the last message of the channel', raw.received.filter((m) => m[1] === 1).at(-1)?.[0], MessageType.CLOSE);
      } finally {
        raw.close();
      }
    },
  },
  {
    name: "CREDIT: the agent grants credit back as its code consumes the host's items (agentWindow honoured)",
    needsSnippets: true,
    async run(ctx) {
      const raw = await rawWithWindow(ctx, 1000, { agentWindow: [4, 1 << 20] });
      try {
        raw.send(MessageType.EXEC, 1, { source: snippetsOf(ctx).echo });
        // Within the agent's window of 4, then as its grants allow: 12 items in all.
        let sent = 0;
        const granted = () =>
          raw.received.filter((m) => m[0] === MessageType.CREDIT && m[1] === 1).reduce((n, m) => n + ((m[2] as number[])[0] ?? 0), 0);
        for (;;) {
          while (sent < 12 && sent < 4 + granted()) raw.send(MessageType.DATA, 1, sent++);
          if (sent === 12) break;
          await raw.next(() => sent < 4 + granted(), limits.stepMs, `a CREDIT once the code consumed ${sent} items (window 4)`);
        }
        await raw.waitFor(() => (itemsOn(raw, 1).length >= 12 ? true : undefined), limits.stepMs);
        expectEqual(
          'items echoed',
          itemsOn(raw, 1),
          Array.from({ length: 12 }, (_, i) => i),
        );
        expectTrue(granted() >= 8, 'items granted back for 12 consumed with a window of 4', 'at least 8', granted());
      } finally {
        raw.close();
      }
    },
  },
  {
    name: 'CREDIT: a version-1 host gets no windows: DATA flows without CREDIT',
    needsSnippets: true,
    async run(ctx) {
      const raw = await ctx.raw({ handshake: false });
      try {
        await raw.handshake(limits.stepMs, { protocol: 1, maxFrame: MAX_FRAME, window: [1, 1] });
        raw.send(MessageType.EXEC, 1, { source: snippetsOf(ctx).sendFive });
        await raw.next(isEnd(1), limits.stepMs, 'the end of the source');
        expectEqual('items sent to a version-1 host', itemsOn(raw, 1), [0, 1, 2, 3, 4]);
        expectEqual('CREDIT messages', raw.received.filter((m) => m[0] === MessageType.CREDIT).length, 0);
      } finally {
        raw.close();
      }
    },
  },
];
