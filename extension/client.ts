import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import type { Readable } from 'stream';
import * as vscode from 'vscode';
import type { LogOutputChannel } from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import type { BackendNotice } from './backendRestarts';

/**
 * The LanguageClient that starts and stops `remote-exec server --stdio` (dist/cli.js of this extension)
 * and restarts it if it crashes. The server owns every gateway; this side only talks JSON-RPC to it.
 * `exited` decides, when the server exits unasked, whether it is restarted, and tells the user.
 */
export function createClient(context: vscode.ExtensionContext, exited: () => BackendNotice): LanguageClient {
  const module = context.asAbsolutePath(path.join('dist', 'cli.js'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  const pty = bundledNodePty();
  if (pty) env.REMOTE_EXEC_NODE_PTY_PATH = pty;
  // The client appends --stdio (and --clientProcessId) for the stdio transport.
  const run = { module, args: ['server'], transport: TransportKind.stdio, options: { env } };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [],
    outputChannelName: 'Remote Exec Server',
    stdioOptions: { stdout: forward(() => 'info'), stderr: forward(levelOfServerLine) },
    // Gateways outlive nothing: a crashed server is restarted, its gateways are gone and the user is told.
    errorHandler: {
      error: (_error, _message, count) => ({ action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown }),
      closed: () => {
        const notice = exited();
        // handled: the notice was shown by `exited`, with its actions; the client only logs the message.
        return { action: notice.restarted ? CloseAction.Restart : CloseAction.DoNotRestart, message: notice.message, handled: true };
      },
    },
  };
  return new LanguageClient('remoteExec', 'Remote Exec Server', serverOptions, clientOptions);
}

type Level = 'info' | 'warn' | 'error';

/** The level a line of the server's stderr names (server/service/events.ts); anything else is an error. */
function levelOfServerLine(line: string): Level {
  const m = /^\[remote-exec server [^\]]*\] (info|warn|error): /.exec(line);
  return m ? (m[1] as Level) : 'error';
}

/** Forwards a stream of the server line by line to the output channel, each line at its level. */
function forward(levelOf: (line: string) => Level) {
  return (input: Readable, channel: LogOutputChannel) => {
    readline.createInterface({ input, crlfDelay: Infinity, terminal: false }).on('line', (line) => channel[levelOf(line)](line));
  };
}

/**
 * VS Code's own node-pty, built for its runtime (Electron's ABI differs from Node's), so REPL gateways
 * work in the desktop app without a native build of ours.
 */
function bundledNodePty(): string | undefined {
  const root = vscode.env.appRoot;
  if (!root) return undefined;
  for (const candidate of [path.join(root, 'node_modules', 'node-pty'), path.join(root, 'node_modules.asar.unpacked', 'node-pty')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}
