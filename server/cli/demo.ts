import { RemoteError } from '../../protocol';
import { makeGateway } from '../gateway/makeGateway';
import { bold } from './colour';
import { parseCommand } from './options';
import { streamGatewayOutput } from './output';

export const HELP = `usage: remote-exec demo [--spec XSPEC]

Shows the main job, narrated: opens a gateway (default: a local Python; popen//node=node for Node),
streams remote output, talks over a channel, calls a remote module through a proxy, shows a remote
traceback, reads the remote status and exits it.`;

/** What the demo runs, in each agent's language. */
const SCRIPTS = {
  python: {
    main: `import os, platform, time
print("hello from pid", os.getpid(), "on Python", platform.python_version())
for i in range(3):
    print("streaming line", i, flush=True)
    time.sleep(0.05)
channel.send(os.getpid())
for x in channel:
    channel.send(x * 2)
`,
    failing: `def check(x):
    if x < 0:
        raise ValueError("x must not be negative, got %d" % x)
check(-1)
`,
    module: 'math',
    call: async (m: any) => ['math.sqrt(2)', await m.sqrt(2)] as const,
  },
  node: {
    main: `console.log("hello from pid", process.pid, "on Node", process.version);
for (let i = 0; i < 3; i++) {
  console.log("streaming line", i);
  await new Promise((r) => setTimeout(r, 50));
}
channel.send(process.pid);
for await (const x of channel) channel.send(x * 2);
`,
    failing: `function check(x) {
  if (x < 0) throw new RangeError("x must not be negative, got " + x);
}
check(-1);
`,
    module: 'path',
    call: async (m: any) => ["path.join('a', 'b')", await m.join('a', 'b')] as const,
  },
};

/** `npm start`: the main job on the default gateway, narrated. */
export async function commandDemo(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, {}, false);
  const say = (line: string) => process.stdout.write(`${bold(`> ${line}`)}\n`);
  say(`makeGateway(${JSON.stringify(values.spec)})`);
  const started = process.hrtime.bigint();
  const gateway = await makeGateway(values.spec);
  try {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    say(
      `gateway ${gateway.id} up in ${ms.toFixed(1)} ms: ${gateway.info.language} ${gateway.info.version}, pid ${gateway.info.pid}, cwd ${gateway.info.cwd}`,
    );
    const script = gateway.info.language === 'node' ? SCRIPTS.node : SCRIPTS.python;
    streamGatewayOutput(gateway);
    say('remoteExec: remote output streams here as it is printed');
    const channel = gateway.remoteExec(script.main);
    const pid = await channel.receive();
    say(`channel.receive() -> ${pid} (the remote pid)`);
    for (const x of [21, 50, 1000]) {
      await channel.send(x);
      say(`channel.send(${x}); channel.receive() -> ${await channel.receive()}`);
    }
    channel.close();
    await channel.waitClose(5000);
    const module = await gateway.wrap(script.module);
    const [call, result] = await script.call(module);
    say(`wrap(${JSON.stringify(script.module)}): a proxy; ${call} runs remotely -> ${result}`);
    say('a remote exception arrives as RemoteError, with the remote traceback:');
    try {
      await gateway.remoteExec(script.failing).waitClose(5000);
    } catch (err) {
      if (!(err instanceof RemoteError)) throw err;
      process.stdout.write(`${err.remoteTraceback || `${err.remoteType}: ${err.remoteMessage}`}`.replace(/\n?$/, '\n'));
    }
    say(`remoteStatus(): ${JSON.stringify(await gateway.remoteStatus())}`);
  } finally {
    const exit = await gateway.exit();
    say(`gateway exited with code ${exit.code}`);
  }
  return 0;
}
