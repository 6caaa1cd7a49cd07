import {
  CancellationTokenSource,
  ErrorCodes,
  ResponseError,
  type Disposable,
  type MessageConnection,
  type RequestHandler,
  type RequestType,
} from 'vscode-jsonrpc';
import { version } from '../../package.json';
import * as rpc from '../../contract/service';
import type { ServiceEvents } from './events';
import type { GatewayManager } from './gatewayManager';
import { timedRemoteStatus } from './statusPublisher';
import { registerLogAndStatusHandlers } from './logHandlers';
import { inspectObject, listObjects, reprOf } from './objectQueries';
import { readRemoteFile } from './remoteFiles';
import { complete, describeVariable, hover, listVariables, tablePage } from './variableQueries';
import { runSelection } from './runSelection';

const STATUS_TIMEOUT_MS = 3000;
const startedAt = Date.now();

/**
 * Answers every request of the contract from the gateway manager; failures become JSON-RPC errors.
 * Returns what stops the log batches and status pushes it started.
 */
export function registerHandlers(connection: MessageConnection, manager: GatewayManager): Disposable {
  const handle = <P, R>(type: RequestType<P, R, void>, fn: (params: P) => Promise<R> | R) =>
    connection.onRequest(type, guarded(fn) as RequestHandler<P, R, void>);
  const gateway = (p: rpc.GatewayRef) => manager.get(p.gatewayId);

  handle(rpc.openGateway, async (p) => (await manager.open(p.spec, p.name)).summary());
  handle(rpc.validateSpec, (p) => manager.validate(p.spec));
  connection.onRequest(rpc.listGateways, () => manager.list());
  handle(rpc.closeGateway, (p) => manager.close(p.gatewayId));
  handle(rpc.restartGateway, async (p) => (await manager.restart(p.gatewayId)).summary());
  handle(rpc.interrupt, (p) => manager.interrupt(p.gatewayId, p.runId, p.clearQueue === true));
  handle(rpc.execSelection, async (p) => runSelection(await manager.ensure(p), p, manager.events));
  handle(rpc.variables, (p) => listVariables(gateway(p), p));
  handle(rpc.describeVariable, (p) => describeVariable(gateway(p), p));
  handle(rpc.tablePage, (p) => tablePage(gateway(p), p));
  handle(rpc.hover, (p) => hover(gateway(p), p));
  handle(rpc.complete, (p) => complete(gateway(p), p));
  handle(rpc.objects, (p) => listObjects(gateway(p)));
  handle(rpc.channels, (p) => gateway(p).channels());
  handle(rpc.inspectObject, (p) => inspectObject(gateway(p), p));
  handle(rpc.releaseObject, (p) => gateway(p).release(p.objectId));
  handle(rpc.reprObject, (p) => reprOf(gateway(p), p.objectId, p.path));
  handle(rpc.closeChannel, (p) => gateway(p).closeChannel(p.channelId));
  handle(rpc.readFile, (p) => readRemoteFile(gateway(p), p.path));
  connection.onRequest(rpc.status, () => serviceStatus(manager));
  return registerLogAndStatusHandlers(connection, manager, () => serviceStatus(manager));
}

/** Failures answer as JSON-RPC errors carrying the plain message, so the UI can show the remote or xspec error as it is. */
function guarded<P, R>(fn: (params: P) => Promise<R> | R): (params: P) => Promise<R> {
  return async (params: P) => {
    // Every request of the contract takes an object; anything else is JSON-RPC's invalid params.
    if (params === null || typeof params !== 'object') throw new ResponseError(ErrorCodes.InvalidParams, 'params must be an object');
    try {
      return await fn(params);
    } catch (err) {
      throw new ResponseError(1, err instanceof Error ? err.message : String(err));
    }
  };
}

/** Forwards service events as the contract's notifications, and asks the client for remote input. */
export function notifier(connection: MessageConnection): ServiceEvents {
  return {
    gatewayChanged: (s) => void connection.sendNotification(rpc.gatewayChanged, s),
    objectsChanged: (gatewayId) => void connection.sendNotification(rpc.objectsChanged, { gatewayId }),
    channelsChanged: (gatewayId, channels) => void connection.sendNotification(rpc.channelsChanged, { gatewayId, channels }),
    runChanged: (e) => void connection.sendNotification(rpc.runChanged, e),
    display: (entry) => void connection.sendNotification(rpc.display, entry),
    input: async (params, signal) => {
      const cancel = new CancellationTokenSource();
      const onAbort = () => cancel.cancel();
      signal.addEventListener('abort', onAbort);
      try {
        const answer = await connection.sendRequest(rpc.input, params, cancel.token);
        return typeof answer?.line === 'string' ? answer.line : null;
      } finally {
        signal.removeEventListener('abort', onAbort);
        cancel.dispose();
      }
    },
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
