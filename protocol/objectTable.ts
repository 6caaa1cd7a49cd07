import type { ObjectRef } from './codec';
import type { GatewayClosedError } from './errors';
import type { ObjectStep, ReturnType } from './messages';
import { createProxy, type Holder, holderOf, isProxy, Kw, unsendableProxy } from './proxy';

/** What the object table needs from its gateway. */
export interface ObjectHost {
  readonly id: string;
  /** Counts the request on `holder` until it settles (requestSettled) and keeps `keep` alive until then. */
  objectRequest(target: number | null, steps: ObjectStep[], returnType?: ReturnType, holder?: Holder, keep?: object): Promise<unknown>;
  /** Sends the releases owed (takeReleases) as one RELEASE message; the one way releases leave. */
  flushReleases(): void;
  /**
   * Resolves once the agent has handled everything sent so far, the releases above included (it answers
   * a request after the messages before it); at once when the gateway is closed.
   */
  handled(): Promise<void>;
  isClosed(): boolean;
}

const RELEASE_DELAY_MS = 20;

/**
 * The host's half of object lifetimes (PROTOCOL.md §7.4): one proxy per live remote id, the number of
 * references received for it, and the releases owed to the agent once proxies are dropped.
 */
export class ObjectTable {
  private readonly live = new Map<number, WeakRef<object>>();
  private releases = new Map<number, number>();
  private releaseTimer?: NodeJS.Timeout;
  private readonly registry = new FinalizationRegistry<Holder>((holder) => this.finalized(holder));
  private readonly hostFunctions = new Map<number, (...args: any[]) => unknown>();
  private readonly hostFunctionIds = new WeakMap<object, number>();
  private nextHostFunctionId = 1;
  private closedError?: GatewayClosedError;
  private ack?: Promise<void>;

  constructor(private readonly host: ObjectHost) {}

  /** The id of the gateway whose objects this table holds, for messages. */
  get gatewayId(): string {
    return this.host.id;
  }

  /** Why `value` cannot be sent to this table's gateway when it is a proxy that cannot (§6). */
  unsendable(value: unknown): string | undefined {
    return unsendableProxy(value, this);
  }

  /** A proxy for a reference the agent sent; the same proxy while it lives, one more reference counted. */
  proxyFor(ref: ObjectRef): unknown {
    const existing = this.live.get(ref.id)?.deref();
    if (existing) {
      const holder = holderOf(existing)!;
      if (!holder.released) {
        holder.count++;
        return existing;
      }
    }
    const holder: Holder = {
      id: ref.id,
      typeName: ref.typeName,
      callable: ref.callable,
      count: 1,
      inflight: 0,
      released: false,
      table: this,
    };
    const proxy = createProxy(holder, []);
    this.live.set(ref.id, new WeakRef(proxy));
    this.registry.register(proxy, holder, holder);
    return proxy;
  }

  /** Whether a proxy of this gateway for the remote object `id` is alive here. */
  holds(id: number): boolean {
    const proxy = this.live.get(id)?.deref();
    return !!proxy && !holderOf(proxy)!.released;
  }

  /** The wire reference of a resolved proxy of this gateway. */
  refOf(value: object): ObjectRef | undefined {
    const holder = isProxy(value) ? holderOf(value) : undefined;
    if (!holder || holder.table !== this) return undefined;
    if (holder.released) throw new Error(`remote object ${holder.id} (${holder.typeName}) was released; it cannot be sent`);
    return { id: holder.id, typeName: holder.typeName, callable: holder.callable };
  }

  /**
   * Sends one request on `holder`'s object, keeping `keep` (the proxy it came from) alive until it settles.
   * It counts as in flight from this call on, even while its arguments are still being resolved, so a
   * release made meanwhile waits for it.
   */
  request(holder: Holder | null, steps: ObjectStep[] | Promise<ObjectStep[]>, returnType: ReturnType, keep?: object): Promise<unknown> {
    if (holder?.released) return Promise.reject(new Error(`remote object ${holder.id} (${holder.typeName}) was released`));
    if (holder) holder.inflight++;
    const send = (s: ObjectStep[]) => this.host.objectRequest(holder ? holder.id : null, s, returnType, holder ?? undefined, keep);
    if (Array.isArray(steps)) return send(steps);
    return steps.then(send, (err) => {
      if (holder) this.requestSettled(holder);
      throw err;
    });
  }

  /** A request on `holder`'s object has settled: the last one lets a waiting release go. */
  requestSettled(holder: Holder): void {
    holder.inflight--;
    if (holder.inflight === 0 && holder.onIdle) holder.onIdle();
  }

  /** Releases one proxy's references now: after the requests in flight on it have settled. */
  release(holder: Holder): Promise<void> {
    if (holder.released) return Promise.resolve();
    holder.released = true;
    this.registry.unregister(holder);
    if (this.live.get(holder.id)?.deref() && holderOf(this.live.get(holder.id)!.deref()!) === holder) this.live.delete(holder.id);
    // An explicit release is awaited until the agent has applied it, so what follows (remoteStatus(),
    // objects()) no longer counts the object.
    const queue = () => {
      this.queueRelease(holder.id, holder.count);
      return this.acknowledged();
    };
    if (holder.inflight === 0) return queue();
    return new Promise((resolve) => {
      holder.onIdle = () => resolve(queue());
    });
  }

  /**
   * Sends the releases queued in this turn as one RELEASE, followed by one request whose answer says the
   * agent has applied them; every explicit release of the turn shares it.
   */
  private acknowledged(): Promise<void> {
    this.ack ??= Promise.resolve().then(() => {
      this.ack = undefined;
      this.host.flushReleases();
      return this.host.handled();
    });
    return this.ack;
  }

  /** The releases owed, as RELEASE pairs; empties the queue. */
  takeReleases(): [number, number][] {
    if (this.releases.size === 0) return [];
    const pairs = Array.from(this.releases.entries());
    this.releases = new Map();
    if (this.releaseTimer) {
      clearTimeout(this.releaseTimer);
      this.releaseTimer = undefined;
    }
    return pairs;
  }

  exportHostFunction(fn: (...args: any[]) => unknown): number | undefined {
    if (isProxy(fn)) return undefined;
    let id = this.hostFunctionIds.get(fn);
    if (id === undefined) {
      id = this.nextHostFunctionId++;
      this.hostFunctionIds.set(fn, id);
      this.hostFunctions.set(id, fn);
    }
    return id;
  }

  hostFunction(id: number): unknown {
    return this.hostFunctions.get(id);
  }

  async callHostFunction(id: number, args: unknown[], kwargs: Record<string, unknown>): Promise<unknown> {
    const fn = this.hostFunctions.get(id);
    if (!fn) throw new Error(`no host function with id ${id} on gateway ${this.host.id}`);
    const extra = Object.keys(kwargs).length > 0 ? [new Kw(kwargs)] : [];
    return await fn(...args, ...extra);
  }

  gatewayClosed(err: GatewayClosedError): void {
    this.closedError = err;
    this.releases.clear();
    if (this.releaseTimer) clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
  }

  private finalized(holder: Holder): void {
    if (holder.released) return;
    holder.released = true;
    const current = this.live.get(holder.id);
    if (current && !current.deref()) this.live.delete(holder.id);
    this.queueRelease(holder.id, holder.count);
  }

  private queueRelease(id: number, count: number): void {
    if (this.closedError || this.host.isClosed()) return;
    this.releases.set(id, (this.releases.get(id) ?? 0) + count);
    // Releases normally ride in the next outgoing write; the timer sends them when nothing else goes out.
    this.releaseTimer ??= setTimeout(() => {
      this.releaseTimer = undefined;
      if (this.host.isClosed()) return;
      try {
        this.host.flushReleases();
      } catch {
        // The gateway is closing: the agent drops every object with its process.
      }
    }, RELEASE_DELAY_MS);
    this.releaseTimer.unref?.();
  }
}
