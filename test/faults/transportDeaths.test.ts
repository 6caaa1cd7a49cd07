import { after, before, describe, test } from 'node:test';
import { makeGateway, startSocketServer, type SocketServer } from '../../server/api';
import { startDoomedHost } from '../helpers/doomedHost';
import { AGENTS, expectAllClosed, pendingEverything, stopThenExit } from '../helpers/pendingEverything';
import { waitGone } from '../helpers/processes';
import { startSshd, type Sshd } from '../helpers/sshd';

// The death cases of deaths.test.ts over the other transports: the agent killed, and the connection cut
// from the host's side (ssh's client killed, the socket destroyed). Every pending thing rejects with
// GatewayClosedError, and the agent at the far end exits.

const TOKEN = 'transport-deaths-token-of-this-run';
const python = AGENTS[0];

describe('nothing waits forever over a socket gateway', () => {
  let server: SocketServer;
  let spec: string;
  before(async () => {
    server = await startSocketServer({ host: '127.0.0.1', port: 0, token: TOKEN, log: () => undefined });
    spec = `socket=127.0.0.1:${server.port}//token=${TOKEN}//window=4:1M`;
  });
  after(() => server.close());

  test('SIGKILL of the agent behind the socket server', async () => {
    const gw = await makeGateway(spec);
    const { pending } = await pendingEverything(gw, python);
    process.kill(gw.info.pid, 'SIGKILL');
    await expectAllClosed(pending, 'after SIGKILL');
  });

  test('the socket dropped: everything pending rejects, the agent behind it exits', async () => {
    const gw = await makeGateway(spec);
    const { pending } = await pendingEverything(gw, python);
    gw.transport.kill();
    await expectAllClosed(pending, 'after the socket dropped');
    await waitGone(gw.info.pid, 10000);
  });

  test('a stopped agent (SIGSTOP) behind the socket server, then exit(): everything rejects, the server ends the agent', async () => {
    await stopThenExit(await makeGateway(spec), python, 15000);
  });

  test('host death (SIGKILL of the host process): the agent behind the socket server exits', async () => {
    const { host, pids } = await startDoomedHost(`
      const gw = await makeGateway(${JSON.stringify(spec)});
      gw.remoteExec(${JSON.stringify(python.flood)});
      await gw.remoteStatus();
      return [gw.info.pid];`);
    host.kill('SIGKILL');
    await waitGone(pids[0], 10000);
  });
});

describe('nothing waits forever over ssh', () => {
  let sshd: Sshd | undefined;
  let skip: string | false = false;
  before(async () => {
    const started = await startSshd();
    if (typeof started === 'string') skip = started;
    else sshd = started;
  });
  after(() => sshd?.stop());

  for (const agent of AGENTS) {
    test(`${agent.name} agent: SIGKILL of the agent at the far end`, async (t) => {
      if (skip) return t.skip(skip);
      const gw = await makeGateway(`ssh=${sshd!.address}${agent.spec.replace(/^popen/, '')}//window=4:1M`);
      const { pending } = await pendingEverything(gw, agent);
      process.kill(gw.info.pid, 'SIGKILL');
      await expectAllClosed(pending, 'after SIGKILL');
    });

    test(`${agent.name} agent: the ssh connection cut (its client killed): everything rejects, the remote agent exits`, async (t) => {
      if (skip) return t.skip(skip);
      const gw = await makeGateway(`ssh=${sshd!.address}${agent.spec.replace(/^popen/, '')}//window=4:1M`);
      const { pending } = await pendingEverything(gw, agent);
      gw.transport.kill();
      await expectAllClosed(pending, 'after the ssh cut');
      await waitGone(gw.info.pid, 10000);
    });

    test(`${agent.name} agent: stopped at the far end (SIGSTOP), then exit(): everything rejects, the remote agent ends`, async (t) => {
      if (skip) return t.skip(skip);
      await stopThenExit(await makeGateway(`ssh=${sshd!.address}${agent.spec.replace(/^popen/, '')}//window=4:1M`), agent, 15000);
    });

    test(`${agent.name} agent: host death (SIGKILL of the host process): the remote agent exits`, async (t) => {
      if (skip) return t.skip(skip);
      const { host, pids } = await startDoomedHost(`
        const gw = await makeGateway(${JSON.stringify(`ssh=${sshd!.address}${agent.spec.replace(/^popen/, '')}//window=4:1M`)});
        gw.remoteExec(${JSON.stringify(agent.flood)});
        await gw.remoteStatus();
        return [gw.info.pid];`);
      host.kill('SIGKILL');
      await waitGone(pids[0], 10000);
    });
  }
});
