#!/usr/bin/env node
// `remote-exec`: one subcommand per module under cli/, each taking --spec XSPEC (default popen).
import { version } from '../package.json';
import { HELP as BENCH_HELP, commandBench } from './cli/bench';
import { HELP as CONFORMANCE_HELP, commandConformance } from './cli/conformance';
import { HELP as DEMO_HELP, commandDemo } from './cli/demo';
import { HELP as EXEC_HELP, commandExec, ownArgs as execOwnArgs } from './cli/exec';
import { quietOnBrokenPipe } from './cli/pipes';
import { HELP as RSYNC_HELP, commandRsync } from './cli/rsync';
import { HELP as SERVE_HELP, commandServe } from './cli/serve';
import { HELP as SERVER_HELP, commandServer } from './cli/service';
import { HELP as STATUS_HELP, commandStatus } from './cli/status';
import { describeError } from './cli/userErrors';

interface Command {
  run(argv: string[]): Promise<number>;
  summary: string;
  help: string;
  /** The arguments that are remote-exec's own (the rest belong to the code it runs); all of them by default. */
  ownArgs?(argv: string[]): string[];
}

const COMMANDS: Record<string, Command> = {
  exec: {
    run: commandExec,
    help: EXEC_HELP,
    ownArgs: execOwnArgs,
    summary: 'run code from -c, a file (with its arguments) or stdin on a gateway; stream its output',
  },
  status: { run: commandStatus, help: STATUS_HELP, summary: "print a gateway's remote status (--json for JSON)" },
  rsync: {
    run: commandRsync,
    help: RSYNC_HELP,
    summary: 'copy a directory to a gateway, sending only what changed (SRC DEST [--delete])',
  },
  serve: {
    run: commandServe,
    help: SERVE_HELP,
    summary: 'run a socket agent server: authenticated connections get a fresh agent each',
  },
  server: { run: commandServer, help: SERVER_HELP, summary: 'the backend of the VS Code extension: JSON-RPC on stdio (--stdio)' },
  demo: { run: commandDemo, help: DEMO_HELP, summary: 'show the main job on a local Python gateway: exec, channel, status' },
  conformance: {
    run: commandConformance,
    help: CONFORMANCE_HELP,
    summary: 'check an agent against the protocol (--agent CMD or --spec XSPEC)',
  },
  bench: {
    run: commandBench,
    help: BENCH_HELP,
    summary: 'measure channels, payloads, proxies and ssh beside execnet, RPyC and pythonia (--quick, --json)',
  },
};

export const USAGE = `usage: remote-exec <command> [--spec XSPEC] [options]
       remote-exec help <command> | --version

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

XSPEC examples: popen, "popen//python=/usr/bin/python3//chdir=/tmp//env:NAME=value", "popen//node=node"
Run "remote-exec help <command>" (or "remote-exec <command> --help") for a command's options.`;

/** `--help` or `-h` among a command's own arguments, before any `--`: the help is printed and nothing runs. */
function asksForHelp(command: Command, argv: string[]): boolean {
  const own = command.ownArgs ? command.ownArgs(argv) : argv;
  const end = own.indexOf('--');
  return (end < 0 ? own : own.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

function unknownCommand(name: string): number {
  process.stderr.write(`remote-exec: there is no command ${JSON.stringify(name)}; the commands are ${Object.keys(COMMANDS).join(', ')}\n`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    process.stdout.write(`remote-exec ${version}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  if (name === 'help') {
    if (rest.length === 0) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    const command = COMMANDS[rest[0]];
    if (!command) return unknownCommand(rest[0]);
    process.stdout.write(command.help + '\n');
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) return unknownCommand(name);
  if (asksForHelp(command, rest)) {
    process.stdout.write(command.help + '\n');
    return 0;
  }
  return command.run(rest);
}

quietOnBrokenPipe();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`remote-exec: ${describeError(err)}\n`);
    process.exitCode = 2;
  },
);
