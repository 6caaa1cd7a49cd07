import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeGateway } from '../../server/api';
import { startDoomedHost } from '../helpers/doomedHost';
import { AGENTS, expectAllClosed, pendingEverything } from '../helpers/pendingEverything';
import { isAlive, waitGone, waitStopped } from '../helpers/processes';

// Nothing waits forever: whatever is pending when the agent or the host dies settles. Every pending kind
// is set up at once — a receive, a STATUS, an object call, a waitClose, a host send held back by a spent
// window, and remote code blocked sending into one — then the other side dies.

for (const agent of AGENTS) {
  describe(`nothing waits forever, ${agent.name} agent`, () => {
    test('SIGKILL of the agent: every pending receive, held send, proxy call and waitClose rejects', async () => {
      const gw = await makeGateway(`${agent.spec}//window=4:1M`);
      const { pending } = await pendingEverything(gw, agent);
      process.kill(gw.info.pid, 'SIGKILL');
      await expectAllClosed(pending, 'after SIGKILL');
      await waitGone(gw.info.pid);
    });

    test('a stopped agent (SIGSTOP), then exit(): pending receives, sends, STATUS, calls and waitClose reject, the agent is reaped', async () => {
      const gw = await makeGateway(`${agent.spec}//window=4:1M`);
      const { pending, module } = await pendingEverything(gw, agent);
      process.kill(gw.info.pid, 'SIGSTOP');
      await waitStopped(gw.info.pid);
      // Asked of a stopped agent: these wait for it, like the others.
      pending.push(gw.remoteStatus(), module.getpid(), gw.remoteExec(agent.sink).receive());
      const exit = await gw.exit(500);
      assert.equal(exit.signal, 'SIGKILL', 'a stopped agent is killed once exit() has waited');
      await expectAllClosed(pending, 'after exit() of a stopped agent');
      await waitGone(gw.info.pid);
    });

    test('the agent ends its input: remote code blocked in a spent window ends, no process is left', async () => {
      const gw = await makeGateway(`${agent.spec}//window=4:1M`);
      const { pending } = await pendingEverything(gw, agent);
      gw.transport.output.end();
      // The agent may still answer or close channels on its way out: every pending thing settles, somehow.
      const settled = await Promise.allSettled(pending);
      assert.equal(settled.length, pending.length);
      await waitGone(gw.info.pid);
    });

    test('host death (SIGKILL of the host process) while remote code is blocked sending: the agent exits', async () => {
      const { host, pids } = await startDoomedHost(`
        const gw = await makeGateway(${JSON.stringify(`${agent.spec}//window=4:1M`)});
        gw.remoteExec(${JSON.stringify(agent.flood)});
        await gw.remoteStatus();
        return [gw.info.pid];`);
      assert.ok(isAlive(pids[0]));
      host.kill('SIGKILL');
      await waitGone(pids[0], 10000);
    });
  });
}
