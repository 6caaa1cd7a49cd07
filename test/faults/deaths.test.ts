import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { makeGateway } from '../../server/api';
import { AGENTS, expectAllClosed, pendingEverything } from '../helpers/pendingEverything';
import { isAlive, waitGone, waitStopped } from '../helpers/processes';

// Nothing waits forever: whatever is pending when the agent or the host dies settles. Every pending kind
// is set up at once — a receive, a STATUS, an object call, a waitClose, a host send held back by a spent
// window, and remote code blocked sending into one — then the other side dies.

const root = path.resolve(__dirname, '../..');

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
      const script = `
        const { makeGateway } = require(${JSON.stringify(path.join(root, 'server/api'))});
        (async () => {
          const gw = await makeGateway(${JSON.stringify(`${agent.spec}//window=4:1M`)});
          gw.remoteExec(${JSON.stringify(agent.flood)});
          await gw.remoteStatus();
          process.stdout.write(String(gw.info.pid) + '\\n');
        })();`;
      const host = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      const pid = await new Promise<number>((resolve, reject) => {
        let out = '';
        host.stdout.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve(Number(out.trim()));
        });
        host.on('exit', () => reject(new Error(`the host ended before starting its agent: ${out}`)));
      });
      assert.ok(isAlive(pid));
      host.kill('SIGKILL');
      await waitGone(pid, 10000);
    });
  });
}
