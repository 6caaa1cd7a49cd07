import type { GatewaySummary, GatewayTarget, ValidateSpecResult } from '../../contract/service';
import { type ServiceEvents } from './events';
import { ManagedGateway } from './managedGateway';
import { ServiceLogs } from './serviceLogs';
/**
 * Owns every gateway of the service: opens them by spec, finds the one a run targets (by id, else the
 * one kept for its spec, opened on first use), restarts and closes them. Gateways that ended by
 * themselves stay listed, closed, with the reason, until closed by the user.
 */
export declare class GatewayManager {
  private readonly gateways;
  /** Opening in progress per spec, so two runs at once share one new gateway. */
  private readonly opening;
  private nextNumber;
  private readonly changeListeners;
  /** Every event goes through here; gateway, run and channel changes also reach `onChange` listeners. */
  readonly events: ServiceEvents;
  /** The lines of the Remote Logs panel and the forwarding level for new gateways. */
  readonly logs: ServiceLogs;
  constructor(events: ServiceEvents);
  /** Called after every gateway, run or channel change (the status page's pushes follow these). */
  onChange(listener: () => void): {
    dispose(): void;
  };
  /** Whether anything is moving: a gateway starting or closing, or a run executing. */
  busy(): boolean;
  list(): GatewaySummary[];
  all(): ManagedGateway[];
  get(gatewayId: string): ManagedGateway;
  validate(spec: string): ValidateSpecResult;
  /** Opens a new gateway; rejects with the xspec error or the reason the agent did not start. */
  open(spec: string, name?: string): Promise<ManagedGateway>;
  /** The gateway a request targets: an open one by id, else the newest open one for the spec, else a new one. */
  ensure(target: GatewayTarget): Promise<ManagedGateway>;
  close(gatewayId: string): Promise<void>;
  restart(gatewayId: string): Promise<ManagedGateway>;
  interrupt(gatewayId: string, runId?: string): void;
  closeAll(): Promise<void>;
  private newId;
  private openIds;
}
