import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

/**
 * The LanguageClient that starts and stops `remote-exec server --stdio` (dist/cli.js of this extension)
 * and restarts it if it crashes. The server owns every gateway; this side only talks JSON-RPC to it.
 */
export function createClient(context: vscode.ExtensionContext): LanguageClient {
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
    // Gateways outlive nothing: a crashed server is restarted, its gateways are gone and the UI says so.
    connectionOptions: { maxRestartCount: 4 },
  };
  return new LanguageClient('remoteExec', 'Remote Exec Server', serverOptions, clientOptions);
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
