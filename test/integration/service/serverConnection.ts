import { spawn, type ChildProcess } from 'child_process';
import * as path from 'path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

import type { LogEntry } from '../../../contract/logs';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

/** A running `remote-exec server --stdio` and a JSON-RPC connection to it, as the extension holds one. */
export interface ServerUnderTest {
  child: ChildProcess;
  connection: MessageConnection;
  stderr(): string;
  /** Notifications received so far, by method. */
  notifications: { method: string; params: any }[];
  /** Resolves with the first notification of `method` (already received or future) that `match` accepts. */
  waitNotification(method: string, match?: (params: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Every log line received so far, from all `remoteExec/logEntries` batches, in order. */
  logLines(): LogEntry[];
  /** Kills the whole process group; for `after` hooks. */
  kill(): void;
}

export function startServer(): ServerUnderTest {
  const child = spawn(process.execPath, [CLI, 'server', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (t: string) => (stderr += t));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const notifications: { method: string; params: any }[] = [];
  const waiters: { method: string; match: (p: any) => boolean; resolve(p: any): void }[] = [];
  connection.onNotification((method: string, params: any) => {
    notifications.push({ method, params });
    for (const w of waiters.slice()) {
      if (w.method === method && w.match(params)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(params);
      }
    }
  });
  connection.listen();
  return {
    child,
    connection,
    stderr: () => stderr,
    notifications,
    logLines: () => notifications.filter((n) => n.method === 'remoteExec/logEntries').flatMap((n) => logBatch(n.params)),
    waitNotification(method, match = () => true, timeoutMs = 20000) {
      const found = notifications.find((n) => n.method === method && match(n.params));
      if (found) return Promise.resolve(found.params);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${method} notification within ${timeoutMs} ms; stderr:\n${stderr}`)),
          timeoutMs,
        );
        waiters.push({ method, match, resolve: (p) => (clearTimeout(timer), resolve(p)) });
      });
    },
    kill() {
      connection.dispose();
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    },
  };
}

/** The entries of one `remoteExec/logEntries` notification (an array parameter arrives by position). */
export function logBatch(params: unknown): LogEntry[] {
  return Array.isArray(params) && Array.isArray(params[0]) ? (params[0] as LogEntry[]) : (params as LogEntry[]);
}
