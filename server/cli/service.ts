import { createMessageConnection, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { version } from '../../package.json';
import { serviceLog } from '../service/events';
import { GatewayManager } from '../service/gatewayManager';
import { GuardedMessageReader } from '../service/guardedReader';
import { notifier, registerHandlers } from '../service/handlers';
import { setPasswordPrompt } from '../transports/sudoPassword';

export const HELP = `usage: remote-exec server --stdio

The backend the VS Code extension starts: JSON-RPC (LSP framing) on stdin/stdout, answering the LSP
lifecycle (initialize, shutdown, exit) and the remoteExec/* requests. It owns every gateway it opens
and closes them all on shutdown or when its input ends. Its own logging goes to stderr.`;

/**
 * `remote-exec server --stdio`. Stdout is the JSON-RPC stream, so nothing else may ever write there:
 * console output is moved to stderr before anything runs.
 */
export async function commandServer(argv: string[]): Promise<number> {
  if (!argv.includes('--stdio')) {
    process.stderr.write(`${HELP}\n`);
    return 2;
  }
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;

  // vscode-jsonrpc's own reader goes silent on malformed input; this one answers it and carries on.
  const writer = new StreamMessageWriter(process.stdout);
  const reader = new GuardedMessageReader(process.stdin, (response) => void writer.write(response));
  const connection = createMessageConnection(reader, writer);
  const events = notifier(connection);
  const manager = new GatewayManager(events);
  // sudo= asks for its password with the extension's password box (remoteExec/input, no run).
  setPasswordPrompt((question, spec) => events.input!({ gatewayId: spec, prompt: question, password: true }, new AbortController().signal));
  const handlers = registerHandlers(connection, manager);

  let shutdownRequested = false;
  let exiting = false;
  const exit = async (code: number) => {
    if (exiting) return;
    exiting = true;
    handlers.dispose();
    await manager.closeAll();
    process.exit(code);
  };
  connection.onRequest('initialize', () => ({ capabilities: {}, serverInfo: { name: 'remote-exec', version } }));
  connection.onNotification('initialized', () => undefined);
  connection.onRequest('shutdown', async () => {
    shutdownRequested = true;
    await manager.closeAll();
    return null;
  });
  // LSP: exit code 0 only after a shutdown request.
  connection.onNotification('exit', () => void exit(shutdownRequested ? 0 : 1));
  connection.onClose(() => void exit(shutdownRequested ? 0 : 1));
  process.stdin.on('end', () => void exit(shutdownRequested ? 0 : 1));
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void exit(1));
  connection.listen();
  serviceLog(`listening on stdio (pid ${process.pid}, version ${version})`);
  return new Promise<number>(() => undefined);
}
