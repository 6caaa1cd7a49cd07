import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChannelClosedError, GatewayClosedError, MessageType, RemoteError, TimeoutError } from '../../protocol';
import { delivered, openGateway, roundTrip } from '../helpers/fakeAgent';

const DATA = MessageType.DATA;
const CLOSE = MessageType.CLOSE;
const CLOSE_ERROR = MessageType.CLOSE_ERROR;
const LAST_MESSAGE = MessageType.LAST_MESSAGE;

/** A gateway on a fake agent and one channel the host opened on it. */
async function openChannel() {
  const { agent, gw } = await openGateway();
  const ch = gw.newChannel();
  return { agent, gw, ch };
}

describe('Channel over in-memory streams', () => {
  describe('receiving', () => {
    test('items come out in the order the remote sent them, whether receive waits for them or they wait for receive', async () => {
      const { agent, ch } = await openChannel();
      const early = ch.receive();
      for (const item of [1, 'two', { three: [3] }, null]) agent.send(DATA, ch.id, item);
      assert.equal(await early, 1);
      assert.deepEqual([await ch.receive(), await ch.receive(), await ch.receive()], ['two', { three: [3] }, null]);
    });

    test('after the remote CLOSE, receive returns the items already delivered, then rejects with ChannelClosedError', async () => {
      const { agent, ch } = await openChannel();
      agent.send(DATA, ch.id, 'a');
      agent.send(DATA, ch.id, 'b');
      agent.send(CLOSE, ch.id, null);
      await ch.waitClose();
      assert.equal(ch.isClosed(), true);
      assert.equal(await ch.receive(), 'a');
      assert.equal(await ch.receive(), 'b');
      await assert.rejects(ch.receive(), ChannelClosedError);
      await assert.rejects(ch.receive(), ChannelClosedError, 'the end is reported to every later receive too');
    });

    test('CLOSE_ERROR: the items before it are received, then receive rejects with a RemoteError carrying the remote type and traceback', async () => {
      const { agent, ch } = await openChannel();
      agent.send(DATA, ch.id, 1);
      agent.send(
        CLOSE_ERROR,
        ch.id,
        new RemoteError('ValueError', 'bad input', 'Traceback (most recent call last):\n  File "job.py", line 3'),
      );
      assert.equal(await ch.receive(), 1);
      await assert.rejects(ch.receive(), (e: Error) => {
        assert.ok(e instanceof RemoteError);
        assert.equal(e.remoteType, 'ValueError');
        assert.equal(e.remoteMessage, 'bad input');
        assert.match(e.remoteTraceback, /job\.py", line 3/);
        return true;
      });
    });

    test('CLOSE_ERROR with a bare string still raises a RemoteError with that text', async () => {
      const { agent, ch } = await openChannel();
      agent.send(CLOSE_ERROR, ch.id, 'the remote side gave up');
      await assert.rejects(ch.receive(), (e: Error) => e instanceof RemoteError && e.remoteMessage === 'the remote side gave up');
    });

    test('LAST_MESSAGE ends receiving and waitClose (as execnet), but the channel stays open for sending until a CLOSE', async () => {
      const { agent, gw, ch } = await openChannel();
      agent.send(DATA, ch.id, 'last');
      agent.send(LAST_MESSAGE, ch.id, null);
      assert.equal(await ch.receive(), 'last');
      await assert.rejects(ch.receive(), ChannelClosedError);
      assert.equal(ch.isClosed(), false);
      await ch.send('still open');
      assert.equal((await agent.take(DATA))[2], 'still open');
      await ch.waitClose();
      agent.send(CLOSE, ch.id, null);
      await delivered(agent, gw);
      assert.equal(ch.isClosed(), true);
    });
  });

  describe('timeouts', () => {
    test('receive with a timeout rejects with TimeoutError and gives up its place: the next item goes to the next receive', async () => {
      const { agent, ch } = await openChannel();
      await assert.rejects(ch.receive(1), TimeoutError);
      agent.send(DATA, ch.id, 'first');
      agent.send(DATA, ch.id, 'second');
      assert.equal(await ch.receive(), 'first');
      assert.equal(await ch.receive(), 'second');
    });

    test('a receive that times out leaves the channel open and a receive waiting beside it unaffected', async () => {
      const { agent, ch } = await openChannel();
      const patient = ch.receive();
      await assert.rejects(ch.receive(1), (e: Error) => e instanceof TimeoutError && /within 1 ms/.test(e.message));
      agent.send(DATA, ch.id, 'for the patient one');
      assert.equal(await patient, 'for the patient one');
      assert.equal(ch.isClosed(), false);
    });

    test('waitClose with a timeout rejects with TimeoutError while the channel stays open; a later waitClose still resolves', async () => {
      const { agent, ch } = await openChannel();
      await assert.rejects(ch.waitClose(1), TimeoutError);
      assert.equal(ch.isClosed(), false);
      const waiting = ch.waitClose();
      agent.send(CLOSE, ch.id, null);
      await waiting;
    });
  });

  describe('setCallback', () => {
    test('the items queued before it come first, then new ones, then the end marker exactly once', async () => {
      const { agent, gw, ch } = await openChannel();
      agent.send(DATA, ch.id, 1);
      agent.send(DATA, ch.id, 2);
      await delivered(agent, gw);
      const seen: unknown[] = [];
      ch.setCallback((item) => seen.push(item), 'END');
      assert.deepEqual(seen, [1, 2], 'the queued items are delivered at once');
      agent.send(DATA, ch.id, 3);
      agent.send(LAST_MESSAGE, ch.id, null);
      agent.send(CLOSE, ch.id, null);
      await ch.waitClose();
      agent.exit({ code: 0, signal: null, stderrTail: '' });
      await gw.closed;
      assert.deepEqual(seen, [1, 2, 3, 'END']);
    });

    test('on a channel that has already ended, the queued items and then the end marker are delivered at once', async () => {
      const { agent, ch } = await openChannel();
      agent.send(DATA, ch.id, 'queued');
      agent.send(CLOSE, ch.id, null);
      await ch.waitClose();
      const seen: unknown[] = [];
      ch.setCallback((item) => seen.push(item), null);
      assert.deepEqual(seen, ['queued', null]);
    });

    test('without an end marker the callback sees only items; an explicit undefined end marker is delivered', async () => {
      const { agent, ch } = await openChannel();
      const other = (await openChannel()).ch;
      const withoutMarker: unknown[] = [];
      const withUndefined: unknown[] = [];
      ch.setCallback((item) => withoutMarker.push(item));
      other.setCallback((item) => withUndefined.push(item), undefined);
      agent.send(DATA, ch.id, 'x');
      agent.send(CLOSE, ch.id, null);
      await ch.waitClose();
      other.close();
      assert.deepEqual(withoutMarker, ['x']);
      assert.deepEqual(withUndefined, [undefined]);
    });

    test('receive is refused while a callback is set', async () => {
      const { ch } = await openChannel();
      ch.setCallback(() => {});
      await assert.rejects(ch.receive(), /has a callback/);
      assert.throws(() => ch.setCallback(() => {}), /already has a callback/);
    });

    test('a callback that throws closes the channel, and the remote gets its error as CLOSE_ERROR', async () => {
      const { agent, gw, ch } = await openChannel();
      const bystander = gw.newChannel();
      ch.setCallback(() => {
        throw new Error('cannot handle this item');
      });
      agent.send(DATA, ch.id, 'poison');
      const [, id, error] = await agent.take(CLOSE_ERROR);
      assert.equal(id, ch.id);
      assert.ok(error instanceof RemoteError);
      assert.equal(error.remoteMessage, 'cannot handle this item');
      assert.equal(ch.isClosed(), true);
      assert.throws(() => ch.send('more'), ChannelClosedError);
      agent.send(DATA, bystander.id, 'unaffected');
      assert.equal(await bystander.receive(), 'unaffected', 'the gateway keeps reading');
    });
  });

  describe('async iteration', () => {
    test('yields every item and ends cleanly at CLOSE', async () => {
      const { agent, ch } = await openChannel();
      for (const item of ['a', 'b', 'c']) agent.send(DATA, ch.id, item);
      agent.send(CLOSE, ch.id, null);
      const items: unknown[] = [];
      for await (const item of ch) items.push(item);
      assert.deepEqual(items, ['a', 'b', 'c']);
    });

    test('throws the RemoteError of CLOSE_ERROR after the items before it', async () => {
      const { agent, ch } = await openChannel();
      agent.send(DATA, ch.id, 'a');
      agent.send(CLOSE_ERROR, ch.id, new RemoteError('KeyError', "'k'", 'tb'));
      const items: unknown[] = [];
      await assert.rejects(
        (async () => {
          for await (const item of ch) items.push(item);
        })(),
        (e: Error) => e instanceof RemoteError && e.remoteType === 'KeyError',
      );
      assert.deepEqual(items, ['a']);
    });
  });

  describe('sending and closing', () => {
    test('items are sent as DATA on the channel id, in order', async () => {
      const { agent, ch } = await openChannel();
      for (const item of [1, 2, 3]) await ch.send(item);
      const sent = await Promise.all([1, 2, 3].map(() => agent.take(DATA)));
      assert.deepEqual(
        sent.map(([, id, item]) => [id, item]),
        [
          [ch.id, 1],
          [ch.id, 2],
          [ch.id, 3],
        ],
      );
    });

    test('close sends one CLOSE, however often it is called; send afterwards throws ChannelClosedError', async () => {
      const { agent, gw, ch } = await openChannel();
      ch.close();
      ch.close();
      assert.equal(ch.isClosed(), true);
      assert.throws(() => ch.send('late'), ChannelClosedError);
      const later = gw.newChannel();
      await later.send('after');
      await agent.take(DATA, (m) => m[1] === later.id);
      assert.deepEqual(
        agent.sent(CLOSE).map((m) => m[1]),
        [ch.id],
      );
      assert.equal(agent.sent(DATA).filter((m) => m[1] === ch.id).length, 0, 'nothing was sent after the close');
    });

    test('close(error) sends CLOSE_ERROR carrying the error', async () => {
      const { agent, ch } = await openChannel();
      ch.close(new Error('host-side failure'));
      const [, id, error] = await agent.take(CLOSE_ERROR);
      assert.equal(id, ch.id);
      assert.ok(error instanceof RemoteError);
      assert.equal(error.remoteMessage, 'host-side failure');
      const { agent: agent2, ch: ch2 } = await openChannel();
      ch2.close('as text');
      assert.equal((await agent2.take(CLOSE_ERROR))[2], 'as text');
    });

    test('send after the remote closed throws ChannelClosedError', async () => {
      const { agent, ch } = await openChannel();
      agent.send(CLOSE, ch.id, null);
      await ch.waitClose();
      assert.throws(() => ch.send('too late'), ChannelClosedError);
    });

    test('receive after this side closed returns what was queued, then ChannelClosedError', async () => {
      const { agent, gw, ch } = await openChannel();
      agent.send(DATA, ch.id, 'kept');
      await delivered(agent, gw);
      ch.close();
      assert.equal(await ch.receive(), 'kept');
      await assert.rejects(ch.receive(), ChannelClosedError);
    });
  });

  describe('waitClose', () => {
    test('resolves at the remote CLOSE, for a wait started before it and one started after', async () => {
      const { agent, ch } = await openChannel();
      const before = ch.waitClose();
      agent.send(CLOSE, ch.id, null);
      await before;
      await ch.waitClose();
    });

    test('rejects with the RemoteError of CLOSE_ERROR, before and after it arrived', async () => {
      const { agent, ch } = await openChannel();
      const before = ch.waitClose();
      agent.send(CLOSE_ERROR, ch.id, new RemoteError('RuntimeError', 'task failed', 'Traceback: task.py line 9'));
      const isTheRemoteError = (e: Error) =>
        e instanceof RemoteError && e.remoteType === 'RuntimeError' && /task\.py/.test(e.remoteTraceback);
      await assert.rejects(before, isTheRemoteError);
      await assert.rejects(ch.waitClose(), isTheRemoteError);
    });

    test('resolves when this side closes the channel', async () => {
      const { ch } = await openChannel();
      const waiting = ch.waitClose();
      ch.close();
      await waiting;
      await ch.waitClose();
    });
  });

  describe('when the gateway dies', () => {
    test('every pending receive and waitClose, on every channel, rejects with GatewayClosedError', async () => {
      const { agent, gw, ch } = await openChannel();
      const other = gw.remoteExec('job');
      const pending = [ch.receive(), ch.receive(60_000), ch.waitClose(), other.receive(), other.waitClose(60_000)];
      agent.exit({ code: null, signal: 'SIGKILL', stderrTail: '' });
      for (const p of pending) await assert.rejects(p, GatewayClosedError);
      assert.equal(ch.isClosed(), true);
      assert.equal(other.isClosed(), true);
      await assert.rejects(ch.receive(), GatewayClosedError, 'a receive after the death rejects the same way');
      assert.throws(() => ch.send('x'), ChannelClosedError);
    });

    test('a waitClose started after the death rejects with GatewayClosedError, as one started before', async () => {
      const { agent, gw, ch } = await openChannel();
      agent.exit({ code: 1, signal: null, stderrTail: '' });
      await gw.closed;
      await assert.rejects(ch.waitClose(), GatewayClosedError);
    });

    test('a channel that had closed cleanly before the death still reports a clean close', async () => {
      const { agent, gw, ch } = await openChannel();
      agent.send(CLOSE, ch.id, null);
      await ch.waitClose();
      agent.exit({ code: 1, signal: null, stderrTail: '' });
      await gw.closed;
      await ch.waitClose();
    });
  });

  describe('the gateway reading around ended channels', () => {
    // A gateway that has stopped reading leaves these tests waiting: they fail when the event loop runs
    // dry, or at this limit if something else keeps it busy, instead of hanging the run.
    const guard = { timeout: 10_000 };
    const item = 'x'.repeat(400);

    test('items the remote sent before it saw this side close are dropped: no new channel, and reading goes on', guard, async () => {
      const { agent, gw } = await openGateway({ highWaterBytes: 1000 });
      const ch = gw.newChannel();
      ch.close();
      for (let i = 0; i < 3; i++) agent.send(DATA, ch.id, item);
      await delivered(agent, gw);
      assert.deepEqual(
        gw.listChannels().map((c) => c.id),
        [],
      );
    });

    test('a channel this side closed with items unreceived does not stop the gateway reading', guard, async () => {
      const { agent, gw } = await openGateway({ highWaterBytes: 1000 });
      const ch = gw.newChannel();
      // The in-memory stream hands each frame to the gateway as it is written: the three items are now
      // queued, past the limit, and the gateway has stopped reading until they are consumed.
      for (let i = 0; i < 3; i++) agent.send(DATA, ch.id, item);
      ch.close();
      await roundTrip(agent, gw);
    });

    test('finished channels whose items nobody receives do not add up to stop the gateway reading', guard, async () => {
      const { agent, gw } = await openGateway({ highWaterBytes: 1000 });
      for (const ch of [gw.remoteExec('first'), gw.remoteExec('second')]) {
        agent.send(DATA, ch.id, item);
        agent.send(DATA, ch.id, item);
        agent.send(CLOSE, ch.id, null);
        await ch.waitClose();
      }
      await roundTrip(agent, gw);
    });
  });
});
