import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GatewayClosedError, makeGateway, type Gateway } from '../../server/api';
import { startDoomedHost } from '../helpers/doomedHost';
import { AGENTS, expectAllClosed, pendingEverything, stopThenExit } from '../helpers/pendingEverything';
import { waitGone } from '../helpers/processes';

// The death cases of deaths.test.ts for the transports that stack: via= (an agent started by a relay on
// another gateway) and repl= (an interpreter's own REPL on a pty).

for (const relaySpec of ['popen', 'popen//node=node']) {
  describe(`nothing waits forever through via= (the relay on ${relaySpec})`, () => {
    for (const agent of AGENTS) {
      test(`${agent.name} agent through a relay: SIGKILL of the far agent rejects everything; the relay's gateway goes on`, async () => {
        const relay = await makeGateway(relaySpec);
        try {
          const gw = await makeGateway(`${agent.spec}//via=${relay.id}//window=4:1M`);
          const { pending } = await pendingEverything(gw, agent);
          process.kill(gw.info.pid, 'SIGKILL');
          await expectAllClosed(pending, 'after SIGKILL');
          assert.equal(await relay.remoteExec('channel.send(2 * 21)').receive(20000), 42, 'the relay gateway goes on');
        } finally {
          await relay.exit();
        }
      });

      test(`${agent.name} agent through a relay: stopped (SIGSTOP), then exit(): everything rejects, the far agent is killed`, async () => {
        const relay = await makeGateway(relaySpec);
        try {
          await stopThenExit(await makeGateway(`${agent.spec}//via=${relay.id}//window=4:1M`), agent, 10000);
        } finally {
          await relay.exit();
        }
      });

      test(`${agent.name} agent through a relay: SIGKILL of the relay's agent rejects everything, and the far agent exits`, async () => {
        const relay = await makeGateway(relaySpec);
        const gw = await makeGateway(`${agent.spec}//via=${relay.id}//window=4:1M`);
        const { pending } = await pendingEverything(gw, agent);
        const far = gw.info.pid;
        process.kill(relay.info.pid, 'SIGKILL');
        await expectAllClosed(pending, "after the relay's SIGKILL");
        await assert.rejects(gw.remoteStatus(), GatewayClosedError);
        await waitGone(far, 10000);
      });

      test(`${agent.name} agent through a relay: host death (SIGKILL of the host process): the relay's agent and the far agent exit`, async () => {
        const { host, pids } = await startDoomedHost(`
          const relay = await makeGateway(${JSON.stringify(relaySpec)});
          const gw = await makeGateway(${JSON.stringify(agent.spec)} + '//via=' + relay.id + '//window=4:1M');
          gw.remoteExec(${JSON.stringify(agent.flood)});
          await gw.remoteStatus();
          return [relay.info.pid, gw.info.pid];`);
        host.kill('SIGKILL');
        for (const pid of pids) await waitGone(pid, 10000);
      });
    }
  });
}

describe('nothing waits forever over repl=', () => {
  for (const [name, spec, forever] of [
    ['python3', 'popen//repl=python3', 'import time\nwhile True:\n    time.sleep(0.05)'],
    ['node', 'popen//repl=node', 'while (true) {}'],
  ] as const) {
    /** A run that never ends and one queued behind it: neither can settle while the REPL lives. */
    const pendingRuns = (gw: Gateway) => [gw.remoteExec(forever).waitClose(), gw.remoteExec('1').waitClose()];

    test(`${name}: SIGKILL of the interpreter rejects the running and the queued run; later calls reject at once`, async () => {
      const gw = await makeGateway(spec);
      const pending = pendingRuns(gw);
      await new Promise((r) => setTimeout(r, 200));
      process.kill(gw.info.pid, 'SIGKILL');
      await expectAllClosed(pending, 'after SIGKILL');
      await assert.rejects(gw.remoteStatus(), GatewayClosedError);
      assert.throws(() => gw.remoteExec('1'), GatewayClosedError);
    });

    test(`${name}: the pty closed under it rejects both runs, and the interpreter exits`, async () => {
      const gw = await makeGateway(spec);
      const pending = pendingRuns(gw);
      await new Promise((r) => setTimeout(r, 200));
      gw.transport.kill();
      await expectAllClosed(pending, 'after the pty closed');
      await waitGone(gw.info.pid, 10000);
    });

    test(`${name}: host death (SIGKILL of the host process) during a run: the interpreter exits`, async () => {
      const { host, pids } = await startDoomedHost(`
        const gw = await makeGateway(${JSON.stringify(spec)});
        gw.remoteExec(${JSON.stringify(forever)});
        return [gw.info.pid];`);
      host.kill('SIGKILL');
      await waitGone(pids[0], 10000);
    });
  }
});
