import type { MessageConnection } from 'vscode-jsonrpc';
import { parseLevel } from '../../contract/logs';
import { StatusPublisher } from './statusPublisher';
import * as rpc from '../../contract/service';
import type { GatewayManager } from './gatewayManager';

/**
 * The Remote Logs panel's and the status page's requests: log lines go out in batches as
 * `remoteExec/logEntries`, status snapshots as `remoteExec/statusChanged` while someone watches.
 */
export function registerLogAndStatusHandlers(
  connection: MessageConnection,
  manager: GatewayManager,
  collectStatus: () => Promise<rpc.ServiceStatus>,
): { dispose(): void } {
  const store = manager.logs.store;
  const publisher = new StatusPublisher<rpc.ServiceStatus>({
    collect: collectStatus,
    busy: () => manager.busy(),
    publish: (s) => void connection.sendNotification(rpc.statusChanged, s),
  });
  const subscriptions = [
    store.onBatch((batch) => void connection.sendNotification(rpc.logEntries, batch)),
    manager.onChange(() => publisher.changed()),
  ];

  connection.onRequest(rpc.logSnapshot, () => store.snapshot());
  connection.onRequest(rpc.clearLogs, (p) => store.clear(p?.gatewayId));
  connection.onRequest(rpc.setLogLevel, (p) => {
    const level = parseLevel(p?.level);
    if (level === undefined) throw new Error(`not a log level: ${JSON.stringify(p?.level)}`);
    manager.logs.level = level;
  });
  connection.onRequest(rpc.watchStatus, (p) => publisher.watch(p?.watch !== false));

  return {
    dispose: () => {
      subscriptions.forEach((s) => s.dispose());
      publisher.dispose();
      store.dispose();
    },
  };
}
