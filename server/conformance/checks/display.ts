import { MessageType, type Channel, type DisplayMessage } from '../../../protocol';
import { CheckSkipped, expectEqual, expectTrue, fail, sameValue, show, type Check, type CheckContext } from '../check';
import { DISPLAY_BUNDLE, type Snippets } from '../snippets';
import { closedCleanly, limits, snippetsOf, withTimeout } from './helpers';

/** The rich-display and input snippets; the checks that need them are skipped without them or before version 2. */
export function richSnippets(ctx: CheckContext): NonNullable<Snippets['rich']> {
  if (ctx.info.protocol < 2) throw new CheckSkipped(`the agent speaks protocol version ${ctx.info.protocol}; DISPLAY and INPUT came in 2`);
  const rich = snippetsOf(ctx).rich;
  if (!rich) throw new CheckSkipped(`no rich display and input snippets for language ${JSON.stringify(ctx.info.language)}`);
  return rich;
}

/** Runs session code on a raw connection whose host HELLO says version 1; returns what the agent sent for it. */
export async function runAsVersion1Host(ctx: CheckContext, source: string): Promise<{ types: number[]; items: unknown[] }> {
  const raw = await ctx.raw({ handshake: false });
  await raw.handshake(limits.stepMs, { protocol: 1, maxFrame: 256 * 1024 * 1024 });
  raw.send(MessageType.EXEC, 1, { source, session: true });
  await raw.next(
    (m) => (m[0] === MessageType.CLOSE || m[0] === MessageType.CLOSE_ERROR) && m[1] === 1,
    limits.stepMs,
    'the end of the run',
  );
  const types = raw.received.map((m) => m[0]);
  const items = raw.received.filter((m) => m[0] === MessageType.DATA && m[1] === 1).map((m) => m[2]);
  raw.close();
  return { types, items };
}

export const displayChecks: Check[] = [
  {
    name: 'DISPLAY: a displayed MIME bundle arrives on the channel of its task, images as raw bytes, in order with its DATA',
    needsSnippets: true,
    async run(ctx) {
      const source = richSnippets(ctx).display;
      const gateway = await ctx.shared();
      const order: string[] = [];
      const displays: [DisplayMessage, Channel | undefined][] = [];
      const listener = (d: DisplayMessage, c: Channel | undefined) => {
        displays.push([d, c]);
        order.push('DISPLAY');
      };
      gateway.on('display', listener);
      try {
        const channel = gateway.remoteExec(source, { session: true });
        channel.setCallback((item) => order.push(`DATA ${show(item)}`));
        await withTimeout(channel.waitClose(), limits.stepMs, 'the end of the display run');
        expectEqual('messages of the run, in order', order.slice(0, 3), ['DATA "before"', 'DISPLAY', 'DATA "after"']);
        const [display, on] = displays[0];
        expectEqual('DISPLAY id (the channel of the task)', on?.id, channel.id);
        expectEqual('DISPLAY data text/plain', display.data['text/plain'], DISPLAY_BUNDLE['text/plain']);
        expectEqual('DISPLAY data text/html', display.data['text/html'], DISPLAY_BUNDLE['text/html']);
        const png = display.data['image/png'];
        expectTrue(png instanceof Uint8Array, 'DISPLAY data image/png', 'bin (raw bytes, not base64 text)', png);
        expectTrue(
          sameValue(new Uint8Array(png), new Uint8Array(DISPLAY_BUNDLE['image/png'])),
          'image/png bytes',
          'the bytes displayed',
          png,
        );
        expectTrue(display.result !== true, 'DISPLAY result of a display() call', 'absent or false', display.result);
      } finally {
        gateway.off('display', listener);
      }
    },
  },
  {
    name: "DISPLAY: a session run's last value with a rich form comes as a result display, then as DATA {value} (§8)",
    needsSnippets: true,
    async run(ctx) {
      const source = richSnippets(ctx).richResult;
      const gateway = await ctx.shared();
      const order: string[] = [];
      let display: DisplayMessage | undefined;
      const listener = (d: DisplayMessage) => {
        display = d;
        order.push('DISPLAY');
      };
      gateway.on('display', listener);
      try {
        const channel = gateway.remoteExec(source, { session: true });
        channel.setCallback((item) =>
          order.push(item && typeof item === 'object' && 'value' in item ? 'DATA {value}' : `DATA ${show(item)}`),
        );
        await closedCleanly(channel, 'the end of the run');
        expectEqual('messages of the run, in order', order, ['DISPLAY', 'DATA {value}']);
        expectEqual('DISPLAY result', display?.result, true);
        expectTrue(
          typeof display?.data['text/html'] === 'string' && display.data['text/html'].includes('conformance-rich'),
          'result display text/html',
          "the value's HTML form",
          display?.data,
        );
        expectTrue(typeof display?.data['text/plain'] === 'string', 'result display text/plain', 'a str (always present)', display?.data);
      } finally {
        gateway.off('display', listener);
      }
    },
  },
  {
    name: 'DISPLAY: a version-1 host is never sent one (§4)',
    needsSnippets: true,
    async run(ctx) {
      const rich = richSnippets(ctx);
      for (const source of [rich.display, rich.richResult]) {
        const { types, items } = await runAsVersion1Host(ctx, source);
        if (types.includes(MessageType.DISPLAY)) fail('messages to a version-1 host', 'no DISPLAY', show(types));
        expectTrue(items.length > 0, 'DATA of the run', 'the run still sends its items', items);
      }
    },
  },
];
