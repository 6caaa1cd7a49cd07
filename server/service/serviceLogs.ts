import type { Gateway } from '../../protocol';
import { attachGatewayLogs, type AttachedLogs, type OutputAttribution } from '../logs/gatewayLogs';
import { LogStore, type LogStoreOptions } from '../logs/logStore';

/**
 * The service's side of the Remote Logs panel: one store for the lines of every gateway (so one sequence
 * orders them all), and the forwarding level the extension asked for, applied to gateways opened later.
 */
export class ServiceLogs {
  readonly store: LogStore;
  /** Python logging number from `remoteExec/setLogLevel`; undefined until the extension sends one. */
  level: number | undefined;
  private readonly attached = new Map<string, AttachedLogs>();

  constructor(options?: LogStoreOptions) {
    this.store = new LogStore(options);
  }

  /** The level a new gateway forwards from: an xspec's own `loglevel=` wins over the setting. */
  levelFor(xspecLogLevel: string | undefined): number | undefined {
    return xspecLogLevel ? undefined : this.level;
  }

  /**
   * Feeds an opened gateway's output, records and lifecycle into the store until it ends: the one
   * listener of those events, so each reaches the extension once, in the store's batches.
   */
  attach(gateway: Gateway, attribution: OutputAttribution): void {
    const detach = attachGatewayLogs(gateway, (e) => this.store.add(e), { attribution });
    this.attached.set(gateway.id, detach);
    // The lifecycle entry for the end is written by attachGatewayLogs' own exit listener, registered first.
    gateway.once('exit', () => {
      detach();
      this.attached.delete(gateway.id);
    });
  }

  /**
   * Hands every line a gateway has written so far to the listeners now, its unfinished line too: what
   * is sent next (a display) then arrives after the output written before it.
   */
  flushGateway(gatewayId: string): void {
    this.attached.get(gatewayId)?.flushPartials();
    this.store.flush();
  }

  /** A gateway that never reached HELLO still leaves a line saying why. */
  openFailed(gatewayId: string, spec: string, reason: string): void {
    this.store.add({
      gateway: gatewayId,
      stream: 'lifecycle',
      level: 40,
      levelname: 'ERROR',
      text: `gateway ${gatewayId} failed to open: ${spec}: ${reason}`,
    });
  }
}
