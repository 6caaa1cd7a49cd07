import { ResponseError, type MessageConnection } from 'vscode-jsonrpc';
import { version } from '../../package.json';
import * as rpc from '../../contract/service';
import type { ServiceEvents } from './events';
import type { GatewayManager } from './gatewayManager';
import { timedRemoteStatus } from './statusPublisher';
import { registerLogAndStatusHandlers } from './logHandlers';
import { inspectObject, listNamespace, listObjects, reprOf } from './objectQueries';
import { runSelection } from './runSelection';

const STATUS_TIMEOUT_MS = 3000;
const startedAt = Date.now();

/** Answers every request of the contract from the gateway manager; failures become JSON-RPC errors. */
export function registerHandlers(connection: MessageConnection, manager: GatewayManager): void {
  connection.onRequest(
    rpc.openGateway,
    guarded(async (p) => (await manager.open(p.spec, p.name)).summary()),
  );
  connection.onRequest(
    rpc.validateSpec,
    guarded((p) => manager.validate(p.spec)),
  );
  connection.onRequest(rpc.listGateways, () => manager.list());
  connection.onRequest(
    rpc.closeGateway,
    guarded((p) => manager.close(p.gatewayId)),
  );
  connection.onRequest(
    rpc.restartGateway,
    guarded(async (p) => (await manager.restart(p.gatewayId)).summary()),
  );
  connection.onRequest(
    rpc.interrupt,
    guarded((p) => manager.interrupt(p.gatewayId, p.runId)),
  );
  connection.onRequest(
    rpc.execSelection,
    guarded(async (p) => runSelection(await manager.ensure(p), p, manager.events)),
  );
  connection.onRequest(
    rpc.statementAt,
    guarded(async (p): Promise<[number, number] | null> => {
      const managed = await manager.ensure(p);
      // The agent counts lines from 1; the contract, like the editor, from 0.
      const found = await managed.open().objectRequest(null, [['statement_at', p.source, p.line + 1]], 'value');
      return Array.isArray(found) && typeof found[0] === 'number' && typeof found[1] === 'number' ? [found[0] - 1, found[1] - 1] : null;
    }),
  );
  connection.onRequest(
    rpc.namespace,
    guarded((p) => listNamespace(manager.get(p.gatewayId))),
  );
  connection.onRequest(
    rpc.objects,
    guarded((p) => listObjects(manager.get(p.gatewayId))),
  );
  connection.onRequest(
    rpc.channels,
    guarded((p) => manager.get(p.gatewayId).channels()),
  );
  connection.onRequest(
    rpc.inspectObject,
    guarded((p) => inspectObject(manager.get(p.gatewayId), p)),
  );
  connection.onRequest(
    rpc.releaseObject,
    guarded((p) => manager.get(p.gatewayId).release(p.objectId)),
  );
  connection.onRequest(
    rpc.reprObject,
    guarded((p) => reprOf(manager.get(p.gatewayId), p.objectId, p.path)),
  );
  connection.onRequest(
    rpc.closeChannel,
    guarded((p) => manager.get(p.gatewayId).closeChannel(p.channelId)),
  );
  connection.onRequest(rpc.status, () => serviceStatus(manager));
  registerLogAndStatusHandlers(connection, manager, () => serviceStatus(manager));
}

/** Failures answer as JSON-RPC errors carrying the plain message, so the UI can show the remote or xspec error as it is. */
function guarded<P, R>(fn: (params: P) => Promise<R> | R): (params: P) => Promise<R> {
  return async (params: P) => {
    try {
      return await fn(params);
    } catch (err) {
      throw new ResponseError(1, err instanceof Error ? err.message : String(err));
    }
  };
}

/** Forwards service events as the contract's notifications. */
export function notifier(connection: MessageConnection): ServiceEvents {
  return {
    output: (e) => void connection.sendNotification(rpc.output, e),
    log: (e) => void connection.sendNotification(rpc.log, e),
    gatewayChanged: (s) => void connection.sendNotification(rpc.gatewayChanged, s),
    objectsChanged: (gatewayId) => void connection.sendNotification(rpc.objectsChanged, { gatewayId }),
    channelsChanged: (gatewayId, channels) => void connection.sendNotification(rpc.channelsChanged, { gatewayId, channels }),
    runChanged: (e) => void connection.sendNotification(rpc.runChanged, e),
  };
}

async function serviceStatus(manager: GatewayManager): Promise<rpc.ServiceStatus> {
  const gateways = await Promise.all(
    manager.all().map(async (managed): Promise<rpc.GatewayStatus> => {
      const summary = managed.summary();
      if (!managed.isOpen()) return summary;
      const timed = await timedRemoteStatus(managed.gateway!, STATUS_TIMEOUT_MS);
      // The frame counters are read after the STATUS round trip, so they include it.
      return {
        ...managed.summary(),
        ...timed,
        remoteStatusError: timed.remoteStatusError && `${timed.remoteStatusError} (the agent may be busy)`,
      };
    }),
  );
  return { version, uptime: (Date.now() - startedAt) / 1000, pid: process.pid, gateways };
}
