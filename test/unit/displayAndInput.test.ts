import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Channel, type DisplayMessage, MessageType, RemoteError } from '../../protocol';
import { delivered, openGateway } from '../helpers/fakeAgent';

describe('DISPLAY and INPUT on the host (PROTOCOL.md §5)', () => {
  test('a DISPLAY reaches display listeners with its bundle, raw image bytes and the channel of the task', async () => {
    const { agent, gw } = await openGateway();
    const ch = gw.remoteExec('show()');
    const seen: [DisplayMessage, Channel | undefined][] = [];
    gw.on('display', (d: DisplayMessage, c: Channel | undefined) => seen.push([d, c]));
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    agent.send(MessageType.DISPLAY, ch.id, {
      data: { 'text/plain': '<Figure>', 'image/png': png },
      metadata: { 'image/png': { width: 3 } },
    });
    agent.send(MessageType.DISPLAY, 0, { data: { 'text/plain': '42' }, result: true });
    await delivered(agent, gw);
    assert.equal(seen.length, 2);
    assert.equal(seen[0][1], ch);
    assert.deepEqual(Buffer.from(seen[0][0].data['image/png'] as Uint8Array), png);
    assert.deepEqual(seen[0][0].metadata, { 'image/png': { width: 3 } });
    assert.equal(seen[1][1], undefined);
    assert.equal(seen[1][0].result, true);
  });

  test('a DISPLAY without a data map is answered with ERROR and the gateway carries on', async () => {
    const { agent, gw } = await openGateway();
    let displays = 0;
    gw.on('display', () => displays++);
    agent.send(MessageType.DISPLAY, 0, 'not a bundle');
    await delivered(agent, gw);
    const error = await agent.take(MessageType.ERROR);
    assert.match(String(error[2]), /DISPLAY needs a map/);
    assert.equal(displays, 0);
    assert.equal(gw.isClosed(), false);
  });

  test('a throwing display listener does not close the gateway', async () => {
    const { agent, gw } = await openGateway();
    gw.on('display', () => {
      throw new Error('listener bug');
    });
    const errors: string[] = [];
    // A listener's own failure is reported as the gateway's 'error' event, like any other listener's.
    gw.on('error', (e: Error) => errors.push(e.message));
    agent.send(MessageType.DISPLAY, 0, { data: { 'text/plain': 'x' } });
    await delivered(agent, gw);
    assert.equal(gw.isClosed(), false);
    assert.match(errors[0], /listener bug/);
  });

  test('with no input handler an INPUT is answered with EOFError at once', async () => {
    const { agent } = await openGateway();
    agent.send(MessageType.INPUT, 7, { prompt: 'name? ', password: false, channel: 0 });
    const [, id, error] = await agent.take(MessageType.REPLY_ERROR);
    assert.equal(id, 7);
    assert.ok(error instanceof RemoteError);
    assert.equal(error.remoteType, 'EOFError');
  });

  test("the input handler's line is the REPLY; it is told the prompt, whether to mask, and the asking channel", async () => {
    const { agent, gw } = await openGateway();
    const ch = gw.remoteExec('input()');
    const asked: unknown[] = [];
    gw.setInputHandler(async ({ prompt, password, channel }) => {
      asked.push([prompt, password, channel]);
      return 'hunter2';
    });
    agent.send(MessageType.INPUT, 3, { prompt: 'Password: ', password: true, channel: ch.id });
    const reply = await agent.take(MessageType.REPLY, (m) => m[1] === 3);
    assert.equal(reply[2], 'hunter2');
    assert.deepEqual(asked, [['Password: ', true, ch]]);
  });

  test('a handler that gives null (the user cancelled) or fails answers EOFError', async () => {
    const { agent, gw } = await openGateway();
    let calls = 0;
    gw.setInputHandler(() => {
      calls++;
      if (calls === 1) return null;
      throw new Error('no terminal');
    });
    agent.send(MessageType.INPUT, 1, { prompt: '', password: false, channel: 0 });
    agent.send(MessageType.INPUT, 2, { prompt: '', password: false, channel: 0 });
    const first = await agent.take(MessageType.REPLY_ERROR, (m) => m[1] === 1);
    const second = await agent.take(MessageType.REPLY_ERROR, (m) => m[1] === 2);
    assert.equal((first[2] as RemoteError).remoteType, 'EOFError');
    assert.match((second[2] as RemoteError).remoteMessage, /no terminal/);
    gw.setInputHandler(undefined);
    agent.send(MessageType.INPUT, 4, { prompt: '', password: false, channel: 0 });
    assert.equal(((await agent.take(MessageType.REPLY_ERROR, (m) => m[1] === 4))[2] as RemoteError).remoteType, 'EOFError');
  });
});
