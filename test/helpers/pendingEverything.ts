import assert from 'node:assert/strict';
import { GatewayClosedError, type Gateway } from '../../server/api';
import { waitGone, waitStopped } from './processes';

// Pending things of every kind on one gateway, for the fault battery's death cases.

export const AGENTS = [
  {
    name: 'Python',
    spec: 'popen',
    flood: 'while True:\n    channel.send(b"x" * 100)',
    sink: 'kept = channel.receive()  # held, or the agent closes a dropped channel\nchannel.receive()',
    module: 'os',
    /** A module with a function that does not return for an hour, and that call. */
    sleeper: ['time', 'sleep', 3600],
  },
  {
    name: 'Node',
    spec: 'popen//node=node',
    flood: 'for (;;) await channel.send(Buffer.alloc(100));',
    sink: 'const kept = await channel.receive();\nawait channel.receive();',
    module: 'os',
    sleeper: ['timers/promises', 'setTimeout', 3600_000],
  },
];

/**
 * Starts one of every pending thing; resolves with the promises that cannot settle while the gateway
 * lives (a receive nobody answers, a send held by the window, a waitClose of code that never ends, a
 * proxy call that does not return), and the module proxy for calls made later.
 */
export async function pendingEverything(
  gw: Gateway,
  agent: (typeof AGENTS)[number],
): Promise<{ pending: Promise<unknown>[]; module: any }> {
  gw.remoteExec(agent.flood); // blocks in the agent once the host's window (4 items) is spent
  const sink = gw.remoteExec(agent.sink);
  const data = gw.newChannel();
  await sink.send(data);
  for (let i = 0; i < 4; i++) await data.send(i);
  const module = await gw.wrap(agent.module);
  const [sleeperModule, name, arg] = agent.sleeper;
  const sleeper = await gw.wrap(sleeperModule as string);
  const call = Promise.resolve(sleeper[name as string](arg));
  return { pending: [gw.remoteExec(agent.sink).receive(), data.send('held back by the window'), sink.waitClose(), call], module };
}

export async function expectAllClosed(pending: Promise<unknown>[], what: string): Promise<void> {
  const settled = await Promise.allSettled(pending);
  settled.forEach((s, i) => {
    assert.equal(s.status, 'rejected', `${what}: pending #${i} settles`);
    assert.ok((s as PromiseRejectedResult).reason instanceof GatewayClosedError, `${what}: #${i} with GatewayClosedError`);
  });
}

/**
 * Everything pending, then the agent stopped (SIGSTOP) and STATUS and a call asked of it, then exit():
 * all of it rejects with GatewayClosedError and the agent is gone within `goneMs`.
 */
export async function stopThenExit(gw: Gateway, agent: (typeof AGENTS)[number], goneMs: number): Promise<void> {
  const { pending, module } = await pendingEverything(gw, agent);
  process.kill(gw.info.pid, 'SIGSTOP');
  await waitStopped(gw.info.pid);
  pending.push(gw.remoteStatus(), module.getpid());
  await gw.exit(500);
  await expectAllClosed(pending, 'after exit() of a stopped agent');
  await waitGone(gw.info.pid, goneMs);
}
