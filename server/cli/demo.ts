import { makeGateway } from '../gateway/makeGateway';
import { bold } from './colour';
import { parseCommand } from './options';
import { streamGatewayOutput } from './output';

const DEMO_SOURCE = `import os, platform, time
print("hello from pid", os.getpid(), "on Python", platform.python_version())
for i in range(3):
    print("streaming line", i, flush=True)
    time.sleep(0.05)
channel.send(os.getpid())
for x in channel:
    channel.send(x * 2)
`;

export const HELP = `usage: remote-exec demo [--spec XSPEC]

Shows the main job, narrated: opens a gateway (default: a local Python), streams remote output, talks
over a channel, reads the remote status and exits it.`;

/** `npm start`: the main job on the default gateway, narrated. */
export async function commandDemo(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {}, false);
  const say = (line: string) => process.stdout.write(`${bold(`> ${line}`)}\n`);
  say(`makeGateway(${JSON.stringify(values.spec)})`);
  const started = process.hrtime.bigint();
  const gateway = await makeGateway(values.spec);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  say(
    `gateway ${gateway.id} up in ${ms.toFixed(1)} ms: ${gateway.info.language} ${gateway.info.version}, pid ${gateway.info.pid}, cwd ${gateway.info.cwd}`,
  );
  streamGatewayOutput(gateway);
  say('remoteExec: remote output streams here as it is printed');
  const channel = gateway.remoteExec(DEMO_SOURCE);
  const pid = await channel.receive();
  say(`channel.receive() -> ${pid} (the remote pid)`);
  for (const x of [21, 50, 1000]) {
    await channel.send(x);
    say(`channel.send(${x}); channel.receive() -> ${await channel.receive()}`);
  }
  const status = await gateway.remoteStatus();
  say(`remoteStatus(): ${JSON.stringify(status)}`);
  channel.close();
  await channel.waitClose(5000);
  const exit = await gateway.exit();
  say(`gateway exited with code ${exit.code}`);
  return 0;
}
