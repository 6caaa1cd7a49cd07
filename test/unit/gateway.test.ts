import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { frameHeader, Gateway, GatewayClosedError, MessageType, PROTOCOL_VERSION, ProtocolError, RemoteError } from '../../protocol';
import { delivered, fakeAgent, openGateway, tick } from '../helpers/fakeAgent';

describe('host Gateway over in-memory streams', () => {
  test('handshake: the host answers HELLO and exposes the agent info', async () => {
    const agent = fakeAgent();
    const gw = new Gateway(agent.transport, { id: 't', spec: 'fake' });
    const started = gw.start();
    agent.raw(agent.frame(agent.hello));
    const info = await started;
    assert.equal(info.pid, 4242);
    await tick();
    assert.equal(agent.received[0][0], MessageType.HELLO);
  });

  test('frames split byte by byte and coalesced in one chunk are all delivered in order', async () => {
    const { agent, gw } = await openGateway();
    const ch = gw.newChannel();
    const bytes = Buffer.concat([1, 2, 3].map((i) => agent.frame([MessageType.DATA, ch.id, i])));
    for (const b of bytes.subarray(0, 7)) agent.raw(Buffer.from([b]));
    agent.raw(bytes.subarray(7));
    assert.deepEqual([await ch.receive(), await ch.receive(), await ch.receive()], [1, 2, 3]);
  });

  test('an unknown message type is answered with ERROR and the gateway carries on', async () => {
    const { agent, gw } = await openGateway();
    const ch = gw.newChannel();
    agent.raw(agent.frame([99, 0, null]));
    agent.raw(agent.frame([MessageType.DATA, ch.id, 'after']));
    assert.equal(await ch.receive(), 'after');
    await tick();
    const error = agent.received.find((m) => m[0] === MessageType.ERROR);
    assert.match(String(error?.[2]), /unknown message type 99/);
  });

  test('garbage bytes are a protocol error: reported, and every pending receive rejects', async () => {
    const { agent, gw } = await openGateway();
    const errors: string[] = [];
    gw.on('protocolError', (m: string) => errors.push(m));
    const pending = gw.newChannel().receive();
    const status = gw.remoteStatus();
    agent.raw(Buffer.concat([frameHeader(3), Buffer.from([0xc1, 0xc1, 0xc1])]));
    await assert.rejects(pending, GatewayClosedError);
    await assert.rejects(status, GatewayClosedError);
    assert.equal(errors.length, 1);
  });

  test('an oversized frame is refused before its body is read, with both sizes named', async () => {
    const { agent, gw } = await openGateway({ maxFrame: 1024 });
    const errors: string[] = [];
    gw.on('protocolError', (m: string) => errors.push(m));
    const pending = gw.newChannel().receive();
    agent.raw(frameHeader(10 * 1024 * 1024));
    await assert.rejects(
      pending,
      (e: Error) => e instanceof GatewayClosedError && /10485760 bytes exceeds the maximum of 1024/.test(e.message),
    );
    assert.match(errors[0], /exceeds the maximum/);
  });

  test("a message over the agent's maximum frame is refused at the sender and nothing is sent", async () => {
    const { agent, gw } = await openGateway();
    const ch = gw.newChannel();
    const before = gw.counters.msgsOut;
    assert.throws(() => ch.send(Buffer.alloc(2 << 20)), /exceeds the agent's maximum frame of 1048576 bytes; nothing was sent/);
    assert.equal(gw.counters.msgsOut, before);
    await ch.send('small');
    await tick();
    assert.equal(agent.received.at(-1)?.[2], 'small');
  });

  test('a HELLO without a protocol version this host speaks is refused with a message naming both', async () => {
    const agent = fakeAgent();
    const gw = new Gateway(agent.transport, { id: 't', spec: 'fake' });
    const started = gw.start();
    agent.raw(agent.frame([MessageType.HELLO, 0, { ...(agent.hello[2] as object), protocol: 0 }]));
    await assert.rejects(
      started,
      (e: Error) => e instanceof ProtocolError && /version 0; this host speaks versions 1 to 2/.test(e.message),
    );
  });

  for (const [agentSpeaks, used] of [
    [1, 1],
    [2, 2],
    [7, 2],
  ] as const) {
    test(`an agent that speaks up to version ${agentSpeaks} is answered with this host's highest, and both use ${used}`, async () => {
      const agent = fakeAgent();
      const gw = new Gateway(agent.transport, { id: 't', spec: 'fake' });
      const started = gw.start();
      agent.raw(agent.frame([MessageType.HELLO, 0, { ...(agent.hello[2] as object), protocol: agentSpeaks }]));
      await started;
      const [, , hello] = await agent.take(MessageType.HELLO);
      assert.equal((hello as { protocol: number }).protocol, PROTOCOL_VERSION);
      assert.equal(gw.protocolVersion, used);
    });
  }

  test('the agent dying mid-call rejects everything with its exit status', async () => {
    const { agent, gw } = await openGateway();
    const pending = gw.remoteExec('x').receive();
    agent.exit({ code: 3, signal: null, stderrTail: 'boom\n' });
    await assert.rejects(pending, (e: Error) => e instanceof GatewayClosedError && e.exitCode === 3 && /boom/.test(e.stderrTail));
    assert.equal((await gw.closed).code, 3);
  });

  test('once exit() has reaped the agent, no timer of the gateway keeps the host process alive', async () => {
    const { agent, gw } = await openGateway();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const exiting = gw.exit();
    await agent.hostEnded;
    // As a process does: its output ends first, then its exit status arrives.
    agent.transport.input.push(null);
    await tick();
    agent.exit({ code: 0, signal: null, stderrTail: '' });
    await exiting;
    await tick();
    assert.equal(timers(), before, 'a timer left behind holds every CLI run open after gw.exit()');
  });

  test("an exec channel closed by this side still learns how its code ended (the agent's CLOSE_ERROR)", async () => {
    const { agent, gw } = await openGateway();
    const ch = gw.remoteExec('work()');
    ch.close();
    const ended = ch.whenRemoteEnds();
    agent.send(MessageType.CLOSE_ERROR, ch.id, new RemoteError('OSError', 'cannot send to a closed channel', 'tb'));
    const error = await ended;
    assert.ok(error instanceof RemoteError);
    assert.equal(error.remoteType, 'OSError');
    assert.equal(ch.remoteEnded, true);
  });

  test('a plain channel closed by this side is not kept waiting for an end that never comes', async () => {
    const { agent, gw } = await openGateway();
    const ch = gw.newChannel();
    ch.close();
    agent.send(MessageType.CLOSE, ch.id, null);
    await delivered(agent, gw);
    assert.equal(ch.remoteEnded, false, 'its CLOSE after ours was dropped, as execnet does');
  });

  test('STDOUT, STDERR and LOG payloads of the wrong type are refused with ERROR and never reach listeners', async () => {
    const { agent, gw } = await openGateway();
    const seen: unknown[] = [];
    gw.on('stdout', (chunk) => seen.push(chunk));
    gw.on('stderr', (chunk) => seen.push(chunk));
    gw.on('log', (record: { logger: string }) => record.logger !== 'sync' && seen.push(record));
    agent.send(MessageType.STDOUT, 0, 'not bytes');
    agent.send(MessageType.STDERR, 0, 7);
    agent.send(MessageType.LOG, 0, null);
    agent.send(MessageType.STDOUT, 0, Buffer.from('fine'));
    await delivered(agent, gw);
    assert.deepEqual(seen, [Buffer.from('fine')]);
    const errors = await Promise.all([1, 2, 3].map(() => agent.take(MessageType.ERROR)));
    assert.match(String(errors[0][2]), /STDOUT needs bytes/);
    assert.equal(gw.isClosed(), false);
  });

  test('LAST_MESSAGE ends receiving and lets waitClose return, while this side may still send', async () => {
    const { agent, gw } = await openGateway();
    const ch = gw.newChannel();
    const waiting = ch.waitClose(5000);
    agent.send(MessageType.DATA, ch.id, 'last');
    agent.send(MessageType.LAST_MESSAGE, ch.id, null);
    await waiting;
    await ch.waitClose(5000);
    assert.equal(await ch.receive(), 'last');
    await assert.rejects(ch.receive(), /closed/);
    assert.equal(ch.isClosed(), false, 'execnet\'s "sendonly" state');
    await ch.send('still possible');
    const [, id, item] = await agent.take(MessageType.DATA);
    assert.deepEqual([id, item], [ch.id, 'still possible']);
  });
});
