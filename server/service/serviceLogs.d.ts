import type { Gateway } from '../../protocol';
import { LogStore, type LogStoreOptions } from '../logs/logStore';
/**
 * The service's side of the Remote Logs panel: one store for the lines of every gateway (so one sequence
 * orders them all), and the forwarding level the extension asked for, applied to gateways opened later.
 */
export declare class ServiceLogs {
  readonly store: LogStore;
  /** Python logging number from `remoteExec/setLogLevel`; undefined until the extension sends one. */
  level: number | undefined;
  constructor(options?: LogStoreOptions);
  /** The level a new gateway forwards from: an xspec's own `loglevel=` wins over the setting. */
  levelFor(xspecLogLevel: string | undefined): number | undefined;
  /** Feeds an opened gateway's output, records and lifecycle into the store until it ends. */
  attach(gateway: Gateway): void;
  /** A gateway that never reached HELLO still leaves a line saying why. */
  openFailed(gatewayId: string, spec: string, reason: string): void;
}
