import { Channel, MessageType, RemoteError } from '../../../protocol';
import { expectEqual, expectTrue, fail, show, type Check } from '../check';
import { closedCleanly, closedWithError, describeError, expectEnd, optionalSnippet, receive, snippetsOf, limits } from './helpers';

export const channelChecks: Check[] = [
  {
    name: "EXEC: the source runs with `channel` bound and __name__ '__channelexec__'",
    needsSnippets: true,
    async run(ctx) {
      const gateway = await ctx.shared();
      const channel = gateway.remoteExec(snippetsOf(ctx).sendName);
      expectEqual('the name the code sees', await receive(channel, 'the task name'), '__channelexec__');
      await closedCleanly(channel, 'the end of the source');
    },
  },
  {
    name: 'EXEC: a raising source ends with CLOSE_ERROR carrying type, message and traceback',
    needsSnippets: true,
    async run(ctx) {
      const snippets = snippetsOf(ctx);
      const gateway = await ctx.shared();
      const err = await closedWithError(gateway.remoteExec(snippets.raise), 'the raising source');
      expectTrue(snippets.raisedType.test(err.remoteType), 'remote type', String(snippets.raisedType), err.remoteType);
      expectEqual('remote message', err.remoteMessage, 'conformance-boom');
      expectTrue(err.remoteTraceback.trim() !== '', 'remote traceback', 'a non-empty traceback', err.remoteTraceback);
      expectTrue(
        /conformance[_]?[Ff]ailing/.test(err.remoteTraceback),
        'remote traceback',
        'the failing function named in it',
        err.remoteTraceback,
      );
    },
  },
  {
    name: 'CLOSE_ERROR: channel.close(error) in remote code raises that error on the host',
    needsSnippets: true,
    async run(ctx) {
      const gateway = await ctx.shared();
      const err = await closedWithError(gateway.remoteExec(snippetsOf(ctx).closeWithError), 'channel.close(error)');
      expectTrue(
        err.remoteMessage.includes('conformance-closed') || err.message.includes('conformance-closed'),
        'the error',
        "one naming 'conformance-closed'",
        err.message,
      );
    },
  },
  {
    name: 'DATA: 1000 items come back in order',
    needsSnippets: true,
    timeoutMs: 20000,
    async run(ctx) {
      const gateway = await ctx.shared();
      const channel = gateway.remoteExec(snippetsOf(ctx).echo);
      for (let i = 0; i < 1000; i++) await channel.send(i);
      for (let i = 0; i < 1000; i++) {
        const item = await receive(channel, `echoed item ${i}`);
        if (item !== i) fail(`echoed item ${i}`, String(i), show(item));
      }
      channel.close();
      await closedCleanly(channel, 'the echo loop after the host closed');
    },
  },
  {
    name: 'CLOSE: items sent before CLOSE are still received, then the channel ends',
    needsSnippets: true,
    async run(ctx) {
      const gateway = await ctx.shared();
      const channel = gateway.remoteExec(snippetsOf(ctx).sendFive);
      await closedCleanly(channel, 'the source sending five items');
      for (let i = 0; i < 5; i++) expectEqual(`item ${i} after CLOSE`, await receive(channel, `item ${i} after CLOSE`), i);
      await expectEnd(channel, 'receiving after the last item');
    },
  },
  {
    name: "CLOSE: the host's close ends the remote loop and the agent closes back",
    needsSnippets: true,
    async run(ctx) {
      const gateway = await ctx.shared();
      const channel = gateway.remoteExec(snippetsOf(ctx).echoThenMarker);
      await channel.send('one');
      expectEqual('echo', await receive(channel, 'the echo'), 'one');
      const before = await gateway.remoteStatus();
      expectTrue(before.numexecuting >= 1, 'STATUS numexecuting while a task waits', '>= 1', before.numexecuting);
      channel.close();
      const deadline = Date.now() + limits.stepMs;
      while (Date.now() < deadline) {
        const status = await gateway.remoteStatus();
        if (status.numexecuting < before.numexecuting) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      fail(
        'STATUS numexecuting after the host closed the channel',
        `below ${before.numexecuting} within ${limits.stepMs} ms (the task ended)`,
        'the task still running',
      );
    },
  },
  {
    name: 'CLOSE_ERROR: the host closing with an error raises it in the remote receive',
    needsSnippets: true,
    async run(ctx) {
      const gateway = await ctx.shared();
      const channel = gateway.remoteExec(snippetsOf(ctx).receiveCloseError);
      const inner = gateway.newChannel();
      await channel.send(inner);
      inner.close(new Error('conformance-stop'));
      const text = await receive(channel, 'what the remote receive raised');
      expectTrue(
        typeof text === 'string' && text.includes('conformance-stop'),
        'remote receive after CLOSE_ERROR',
        "an error naming 'conformance-stop'",
        text,
      );
    },
  },
  {
    name: 'LAST_MESSAGE: from the host, the remote loop ends while the agent can still send',
    needsSnippets: true,
    async run(ctx) {
      const gateway = await ctx.shared();
      const channel = gateway.remoteExec(snippetsOf(ctx).echoThenMarker);
      await channel.send(1);
      gateway.send(MessageType.LAST_MESSAGE, channel.id, null);
      expectEqual('echo before LAST_MESSAGE', await receive(channel, 'the echo'), 1);
      expectEqual('sent after the loop ended', await receive(channel, "'after-end' sent after the loop ended"), 'after-end');
      await closedCleanly(channel, 'the end of the source');
    },
  },
  {
    name: 'CLOSE: the agent closes an open channel that remote code drops (as execnet does)',
    needsSnippets: true,
    async run(ctx) {
      const source = optionalSnippet(ctx, 'dropChannel');
      const gateway = await ctx.shared();
      const channel = gateway.remoteExec(source);
      const dropped = await receive(channel, 'the channel the code opened');
      expectTrue(dropped instanceof Channel, 'item', 'a Channel', dropped);
      expectEqual('item on the dropped channel', await receive(dropped, 'the item on the dropped channel'), 1);
      await expectEnd(dropped, 'receiving on the dropped channel');
      await closedCleanly(dropped, 'the dropped channel');
      expectTrue(dropped.isClosed(), 'the dropped channel', 'closed (CLOSE: it had no callback)', 'still open');
      channel.close();
    },
  },
  {
    name: 'channels: agent-opened channels have even ids and carry items',
    needsSnippets: true,
    async run(ctx) {
      const gateway = await ctx.shared();
      const channel = gateway.remoteExec(snippetsOf(ctx).newChannel);
      const opened = await receive(channel, 'the channel the code opened');
      expectTrue(opened instanceof Channel, 'item', 'a Channel (ext 3)', opened);
      expectEqual('agent channel id parity (id % 2)', opened.id % 2, 0);
      expectEqual('item on the agent channel', await receive(opened, 'the item on the agent channel'), 'from-agent-channel');
      await closedCleanly(opened, 'the agent channel');
      await closedCleanly(channel, 'the exec channel');
    },
  },
  {
    name: 'channels: a host channel sent inside a message is the same channel on both sides',
    needsSnippets: true,
    async run(ctx) {
      const gateway = await ctx.shared();
      const channel = gateway.remoteExec(snippetsOf(ctx).useChannelFromMessage);
      const inner = gateway.newChannel();
      expectEqual('host channel id parity (id % 2)', inner.id % 2, 1);
      await channel.send(inner);
      expectEqual('item the agent sent on the host channel', await receive(inner, 'the item on the host channel'), 'hello-on-host-channel');
      await inner.send('reply-on-host-channel');
      expectEqual(
        'what the agent received on the host channel',
        await receive(channel, 'the echo of the host channel item'),
        'reply-on-host-channel',
      );
      await closedCleanly(channel, 'the exec channel');
      inner.close();
    },
  },
  {
    name: 'channels: an item with no encoding raises in the remote code, nothing is sent',
    needsSnippets: true,
    async run(ctx) {
      const snippets = snippetsOf(ctx);
      const gateway = await ctx.shared();
      const channel = gateway.remoteExec(snippets.sendUnencodable);
      const item = await receive(channel, 'what the code sent after the refused send');
      expectTrue(
        typeof item === 'string' && item.startsWith('refused: '),
        'the first item',
        "'refused: <error>' (no item for the unencodable value)",
        item,
      );
      expectTrue(snippets.unencodableType.test(item), 'the error text', `naming the type (${snippets.unencodableType})`, item);
      try {
        await closedCleanly(channel, 'the exec channel');
      } catch (err) {
        if (err instanceof RemoteError) fail('the exec channel', 'CLOSE', describeError(err));
        throw err;
      }
    },
  },
];
