import * as fs from 'fs';
import { parseArgs } from 'util';
import { RemoteError, type Channel, type Gateway } from '../../protocol';
import { remoteSource } from '../agents';
import { parseXSpec } from '../gateway/xspec';
import { onCtrlC } from './ctrlC';
import { openGateway } from './openGateway';
import { parseCommand } from './options';
import { formatItem, streamGatewayOutput } from './output';
import { StdinLines } from './terminalInput';
import { describeFileError } from './userErrors';

export const HELP = `usage: remote-exec exec [--spec XSPEC] (-c CODE | FILE [ARGS...] | - [ARGS...])

Runs code on a fresh gateway (default: a local Python) as "python3 FILE ARGS" would run it there:
sys.argv is [FILE, ARGS...], __name__ is "__main__", tracebacks name the file, sys.exit(N) ends
remote-exec with status N (an uncaught exception: 1, with the traceback), and the program runs on the
agent's main thread (execmodel=main_thread_only unless the spec says otherwise). On a Node gateway
(--spec popen//node=node) as "node FILE ARGS": process.argv, __filename, require, process.exit(N).

Remote output streams live; input() reads this process's standard input (a pipe, or the terminal);
execnet's \`channel\` is in scope and every value the code sends on it is printed. Ctrl-C interrupts
the remote code (KeyboardInterrupt, exit 130); a second Ctrl-C ends at once.

  -c CODE        the code to run (sys.argv is ["-c"])
  FILE           a file on this machine, sent to the gateway; "-" reads the code from standard input
                 (as does no -c and no FILE when standard input is not a terminal)
  --spec XSPEC   where to run it (default popen)`;

const OPTIONS = { code: { type: 'string', short: 'c' } } as const;

/** remote-exec's own arguments: everything before FILE (the arguments after it are the program's). */
export function ownArgs(argv: string[]): string[] {
  return splitArgs(argv).own;
}

function splitArgs(argv: string[]): { own: string[]; file?: string; programArgs: string[] } {
  const options = { ...OPTIONS, spec: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const first = tokens.find((t) => t.kind === 'positional');
  if (!first) return { own: argv, programArgs: [] };
  return { own: argv.slice(0, first.index), file: argv[first.index], programArgs: argv.slice(first.index + 1) };
}

interface Program {
  /** What tracebacks and `__file__` call it. */
  name: string;
  source: string;
  argv: string[];
}

function readProgram(code: string | undefined, file: string | undefined, programArgs: string[]): Program | string {
  if (code !== undefined) {
    if (file !== undefined) return `give either -c CODE or a FILE to run, not both (got -c and ${JSON.stringify(file)})`;
    return { name: '<string>', source: code, argv: ['-c'] };
  }
  if (file === undefined) return `nothing to run: give -c CODE, a FILE, or - to read the code from standard input`;
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    const why = describeFileError(err, file);
    if (why) return why;
    throw err;
  }
  // Python accepts a UTF-8 byte-order mark at the start of a file; compile() of the str does not.
  if (text.startsWith('\ufeff')) text = text.slice(1);
  return { name: file === '-' ? '<stdin>' : file, source: text, argv: [file, ...programArgs] };
}

export async function commandExec(argv: string[]): Promise<number> {
  const split = splitArgs(argv);
  const { own, programArgs } = split;
  const { values } = parseCommand(own, OPTIONS, false);
  // As python3 and node do: with nothing named and the code piped in, the program is standard input.
  const file = split.file ?? (values.code === undefined && !process.stdin.isTTY ? '-' : undefined);
  const program = readProgram(values.code, file, programArgs);
  if (typeof program === 'string') {
    process.stderr.write(`remote-exec exec: ${program}\n`);
    return 2;
  }
  if (split.file === undefined && file === '-') program.argv = [''];
  let running: { gateway: Gateway; channel: Channel } | undefined;
  const ctrlC = onCtrlC(() => {
    if (running) running.gateway.interrupt(running.channel);
    else process.exit(130);
  });
  const stdin = file === '-' ? undefined : new StdinLines(ctrlC.press);
  try {
    const gateway = await openGateway(onMainThread(values.spec), stdin);
    streamGatewayOutput(gateway);
    if (stdin) gateway.setInputHandler(stdin.handler);
    try {
      return await run(gateway, program, (channel) => {
        running = { gateway, channel };
        if (parseXSpec(gateway.spec).interpreter === 'repl') stdin?.forwardTyped((line) => void channel.send(line).catch(() => undefined));
      });
    } finally {
      await gateway.exit();
    }
  } finally {
    ctrlC.remove();
    stdin?.close();
  }
}

/**
 * `python3 FILE` runs on the main thread, where Ctrl-C's KeyboardInterrupt also breaks a blocking call
 * (a sleep, a lock, a read): a Python agent runs the program there too, unless the spec chose otherwise.
 */
function onMainThread(spec: string): string {
  const parsed = parseXSpec(spec);
  if (parsed.interpreter !== 'python' || /(^|\/\/)execmodel=/.test(spec)) return spec;
  return `${spec}//execmodel=main_thread_only`;
}

/** Runs `program` and prints what it sends; resolves with its exit status. */
async function run(gateway: Gateway, program: Program, started: (channel: Channel) => void): Promise<number> {
  // An agent runs it as its interpreter would run the file; a REPL (repl=python3 too) gets the source as it is.
  const kind = parseXSpec(gateway.spec).interpreter;
  const asMain = kind === 'python' || kind === 'node';
  const channel = asMain
    ? gateway.remoteExec(remoteSource('run_as_main', kind))
    : gateway.remoteExec(program.source, { name: program.name });
  started(channel);
  const statusChannel = asMain ? gateway.newChannel() : undefined;
  if (statusChannel) await channel.send({ file: program.name, source: program.source, argv: program.argv, status: statusChannel });
  try {
    for await (const item of channel) process.stdout.write(formatItem(item) + '\n');
  } catch (err) {
    if (!(err instanceof RemoteError)) throw err;
    process.stderr.write(`${err.remoteTraceback || `${err.remoteType}: ${err.remoteMessage}`}`.replace(/\n?$/, '\n'));
    return err.remoteType === 'KeyboardInterrupt' ? 130 : 1;
  }
  if (!statusChannel) return 0;
  const status = await statusChannel.receive();
  return typeof status === 'number' ? status & 0xff : 1;
}
