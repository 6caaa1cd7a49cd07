#!/usr/bin/env node
// `remote-exec`: one subcommand per module under cli/, each taking --spec XSPEC (default popen).
import { version } from '../package.json';
import { quietOnBrokenPipe } from './cli/pipes';
import { describeError } from './cli/userErrors';

/** What a subcommand's module exports. */
interface CommandModule {
  HELP: string;
  run(argv: string[]): Promise<number>;
  /** The arguments that are remote-exec's own (the rest belong to the code it runs); all of them by default. */
  ownArgs?(argv: string[]): string[];
}

interface Command {
  summary: string;
  /**
   * The subcommand's module, required on first use: a run loads only its own command's code (exec does
   * not initialise the JSON-RPC backend, the bench or rsync), which is most of a short run's start.
   */
  load(): CommandModule;
}

const COMMANDS: Record<string, Command> = {
  exec: {
    load: () => {
      const m = require('./cli/exec') as typeof import('./cli/exec');
      return { HELP: m.HELP, run: m.commandExec, ownArgs: m.ownArgs };
    },
    summary: 'run code from -c, a file (with its arguments) or stdin on a gateway; stream its output',
  },
  status: {
    load: () => {
      const m = require('./cli/status') as typeof import('./cli/status');
      return { HELP: m.HELP, run: m.commandStatus };
    },
    summary: "print a gateway's remote status (--json for JSON)",
  },
  rsync: {
    load: () => {
      const m = require('./cli/rsync') as typeof import('./cli/rsync');
      return { HELP: m.HELP, run: m.commandRsync };
    },
    summary: 'copy a directory to a gateway, sending only what changed (SRC DEST [--delete])',
  },
  serve: {
    load: () => {
      const m = require('./cli/serve') as typeof import('./cli/serve');
      return { HELP: m.HELP, run: m.commandServe };
    },
    summary: 'run a socket agent server: authenticated connections get a fresh agent each',
  },
  server: {
    load: () => {
      const m = require('./cli/service') as typeof import('./cli/service');
      return { HELP: m.HELP, run: m.commandServer };
    },
    summary: 'the backend of the VS Code extension: JSON-RPC on stdio (--stdio)',
  },
  demo: {
    load: () => {
      const m = require('./cli/demo') as typeof import('./cli/demo');
      return { HELP: m.HELP, run: m.commandDemo };
    },
    summary: 'show the main job on a local Python gateway: exec, channel, status',
  },
  conformance: {
    load: () => {
      const m = require('./cli/conformance') as typeof import('./cli/conformance');
      return { HELP: m.HELP, run: m.commandConformance };
    },
    summary: 'check an agent against the protocol (--agent CMD or --spec XSPEC)',
  },
  bench: {
    load: () => {
      const m = require('./cli/bench') as typeof import('./cli/bench');
      return { HELP: m.HELP, run: m.commandBench };
    },
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
function asksForHelp(command: CommandModule, argv: string[]): boolean {
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
    process.stdout.write(command.load().HELP + '\n');
    return 0;
  }
  if (!COMMANDS[name]) return unknownCommand(name);
  const command = COMMANDS[name].load();
  if (asksForHelp(command, rest)) {
    process.stdout.write(command.HELP + '\n');
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
