import { makeGateway } from '../gateway/makeGateway';
import { newGatewayId } from '../gateway/registry';
import { parseXSpec, type XSpec } from '../gateway/xspec';
import type { GatewaySummary, GatewayTarget, ValidateSpecResult } from '../../contract/service';
import { attachDisplays } from './displays';
import { serviceLog, withChangeHook, type ServiceEvents } from './events';
import { attachInput } from './inputs';
import { ManagedGateway } from './managedGateway';
import { ServiceLogs } from './serviceLogs';

/**
 * Owns every gateway of the service: opens them by spec, finds the one a run targets (by id, else the
 * one kept for its spec, opened on first use), restarts and closes them. Gateways that ended by
 * themselves stay listed, closed, with the reason, until closed by the user.
 */
export class GatewayManager {
  private readonly gateways = new Map<string, ManagedGateway>();
  /** Opening in progress per spec, so two runs at once share one new gateway. */
  private readonly opening = new Map<string, Promise<ManagedGateway>>();
  private readonly changeListeners = new Set<() => void>();
  /** Every event goes through here; gateway, run and channel changes also reach `onChange` listeners. */
  readonly events: ServiceEvents;
  /** The lines of the Remote Logs panel and the forwarding level for new gateways. */
  readonly logs = new ServiceLogs();

  constructor(events: ServiceEvents) {
    this.events = withChangeHook(events, () => this.changeListeners.forEach((listener) => listener()));
  }

  /** Called after every gateway, run or channel change (the status page's pushes follow these). */
  onChange(listener: () => void): { dispose(): void } {
    this.changeListeners.add(listener);
    return { dispose: () => this.changeListeners.delete(listener) };
  }

  /** Whether anything is moving: a gateway starting or closing, or a run executing. */
  busy(): boolean {
    return this.all().some((g) => g.state === 'starting' || g.state === 'closing' || g.running.size > 0);
  }

  list(): GatewaySummary[] {
    return Array.from(this.gateways.values()).map((g) => g.summary());
  }

  all(): ManagedGateway[] {
    return Array.from(this.gateways.values());
  }

  get(gatewayId: string): ManagedGateway {
    const managed = this.gateways.get(gatewayId);
    if (!managed) throw new Error(`no gateway with id ${JSON.stringify(gatewayId)}; open gateways: ${this.openIds() || 'none'}`);
    return managed;
  }

  validate(spec: string): ValidateSpecResult {
    try {
      const x = parseXSpec(spec);
      const parts = spec.split('//');
      return {
        ok: true,
        transport: x.transport,
        interpreter: x.interpreter,
        local: sharesLocalFiles(x),
        namesInterpreter: parts.some((p) => /^(python|node|repl)=/.test(p)),
        setsChdir: x.chdir !== undefined,
      };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /**
   * Opens a new gateway, under `id` when given (a restart keeps its id); rejects with the xspec error or
   * the reason the agent did not start.
   */
  async open(spec: string, name?: string, id?: string): Promise<ManagedGateway> {
    const xspec = parseXSpec(spec);
    if (id === undefined || this.gateways.has(id)) id = xspec.id && !this.gateways.has(xspec.id) ? xspec.id : this.newId();
    const managed = new ManagedGateway(id, spec, name, this.events);
    this.gateways.set(id, managed);
    this.events.gatewayChanged(managed.summary());
    try {
      const gateway = await makeGateway(xspec, { id, logLevel: this.logs.levelFor(xspec.options.loglevel) });
      this.logs.attach(gateway, managed);
      attachDisplays(gateway, managed, this.logs, this.events);
      attachInput(gateway, managed, this.events);
      managed.localFiles = sharesLocalFiles(xspec);
      managed.attach(gateway);
    } catch (err) {
      managed.state = 'failed';
      managed.exitReason = err instanceof Error ? err.message : String(err);
      this.logs.openFailed(id, spec, managed.exitReason);
      this.events.gatewayChanged(managed.summary());
      this.gateways.delete(id);
      throw err;
    }
    serviceLog(`opened gateway ${id} (${spec}), pid ${managed.gateway!.info.pid}`);
    this.events.gatewayChanged(managed.summary());
    return managed;
  }

  /** The gateway a request targets: an open one by id, else the newest open one for the spec, else a new one. */
  async ensure(target: GatewayTarget): Promise<ManagedGateway> {
    if (target.gatewayId) {
      const managed = this.get(target.gatewayId);
      managed.open();
      return managed;
    }
    const spec = target.spec ?? 'popen';
    const existing = this.all()
      .reverse()
      .find((g) => g.spec === spec && g.isOpen());
    if (existing) return existing;
    let pending = this.opening.get(spec);
    if (!pending) {
      pending = this.open(spec, target.name).finally(() => this.opening.delete(spec));
      this.opening.set(spec, pending);
    }
    return pending;
  }

  async close(gatewayId: string): Promise<void> {
    const managed = this.get(gatewayId);
    this.gateways.delete(gatewayId);
    if (managed.gateway && !managed.gateway.isClosed()) {
      managed.state = 'closing';
      this.events.gatewayChanged(managed.summary());
      await managed.gateway.exit();
    }
    managed.state = 'closed';
    this.events.gatewayChanged(managed.summary());
    serviceLog(`closed gateway ${gatewayId}`);
  }

  /** A fresh session under the same id, so the explorer, the status bar and the language's choice stay. */
  async restart(gatewayId: string): Promise<ManagedGateway> {
    const old = this.get(gatewayId);
    await this.close(gatewayId);
    return this.open(old.spec, old.name, gatewayId);
  }

  /**
   * Interrupts the running run (or every task of the gateway); a queued `runId` is cancelled instead.
   * `clearQueue` first cancels every queued run, so nothing starts after the interrupted one.
   */
  interrupt(gatewayId: string, runId?: string, clearQueue = false): void {
    const managed = this.get(gatewayId);
    const gateway = managed.open();
    if (clearQueue) managed.queue.cancelAll('the queue was cleared');
    if (runId !== undefined && managed.queue.cancel(runId, 'cancelled before it started')) return;
    if (runId === undefined) {
      gateway.interrupt();
      return;
    }
    const channel = managed.running.get(runId);
    if (!channel) throw new Error(`run ${runId} is not running on gateway ${gatewayId}`);
    gateway.interrupt(channel);
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(Array.from(this.gateways.keys()).map((id) => this.close(id)));
  }

  private newId(): string {
    return newGatewayId((id) => this.gateways.has(id));
  }

  private openIds(): string {
    return this.all()
      .filter((g) => g.isOpen())
      .map((g) => g.id)
      .join(', ');
  }
}

/** Keys that start the agent somewhere other than this machine's file system. */
const ELSEWHERE = ['docker', 'podman', 'kubectl', 'srun', 'cmd', 'via'];

/** Whether an agent started from this spec sees this machine's files (a traceback's paths open locally). */
function sharesLocalFiles(x: XSpec): boolean {
  return x.transport === 'popen' && !ELSEWHERE.some((key) => key in x.options);
}
