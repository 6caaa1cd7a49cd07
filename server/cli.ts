#!/usr/bin/env node
// `remote-exec`: one subcommand per module under cli/, each taking --spec XSPEC (default popen).
import { commandExec } from './cli/exec';
import { commandStatus } from './cli/status';
import { commandDemo } from './cli/demo';
import { commandConformance } from './cli/conformance';
import { commandRsync } from './cli/rsync';
import { commandServer } from './cli/service';
import { commandServe } from './cli/serve';
import { commandBench } from './cli/bench';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  exec: { run: commandExec, summary: 'run code from -c, a file or stdin on a gateway; stream its output' },
  status: { run: commandStatus, summary: "print a gateway's remote status (--json for JSON)" },
  rsync: { run: commandRsync, summary: 'copy a directory to a gateway, sending only what changed (SRC DEST [--delete])' },
  serve: { run: commandServe, summary: 'run a socket agent server: authenticated connections get a fresh agent each' },
  server: { run: commandServer, summary: 'the backend of the VS Code extension: JSON-RPC on stdio (--stdio)' },
  demo: { run: commandDemo, summary: 'show the main job on a local Python gateway: exec, channel, status' },
  conformance: { run: commandConformance, summary: 'check an agent against the protocol (--agent CMD or --spec XSPEC)' },
  bench: { run: commandBench, summary: 'measure channels, payloads, proxies and ssh beside execnet, RPyC and pythonia (--quick, --json)' },
};

export const USAGE = `usage: remote-exec <command> [--spec XSPEC] [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

XSPEC examples: popen, "popen//python=/usr/bin/python3//chdir=/tmp//env:NAME=value", "popen//node=node"
Run "remote-exec <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`remote-exec: unknown command ${JSON.stringify(name)}\n\n${USAGE}\n`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`remote-exec: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
