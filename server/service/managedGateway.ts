import { del, type Channel, type Gateway, type GatewayExit, isProxy } from '../../protocol';
import type { ChannelSummary, GatewayState, GatewaySummary } from '../../contract/service';
import type { OutputAttribution } from '../logs/gatewayLogs';
import { serviceLog, type ServiceEvents } from './events';
import { RunQueue } from './runQueue';
import type { FrameResolver, SourceOrigin } from './traceback';
import type { RefResolver } from './values';

interface ChannelStats {
  id: number;
  itemsIn: number;
  outputBytes: number;
  runId?: string;
  channel?: Channel;
  closed: boolean;
}

const KEEP_CLOSED_CHANNELS = 20;

/**
 * One gateway the service owns, with what the UI needs beside the protocol Gateway: its name, its runs
 * and their channels, the sources runs came from (to map tracebacks), and the remote objects the UI was
 * shown, held alive until the user releases them or the gateway ends.
 */
export class ManagedGateway implements RefResolver, OutputAttribution, FrameResolver {
  gateway?: Gateway;
  state: GatewayState = 'starting';
  exitReason?: string;
  runs = 0;
  readonly running = new Map<string, Channel>();
  /** Runs execute one at a time, in the order they were sent. */
  readonly queue = new RunQueue();
  /** Whether the agent sees this machine's files, so a traceback's library frames open as local files. */
  localFiles = false;
  private readonly runEndListeners = new Map<string, Set<() => void>>();
  private readonly channelStats = new Map<number, ChannelStats>();
  private readonly origins = new Map<string, SourceOrigin>();
  private readonly held = new Map<number, unknown>();
  /** Why the UI holds an object: the run whose value or item it was. */
  private readonly holders = new Map<number, string>();
  private readonly reprs = new Map<number, string>();
  private runCounter = 0;
  readonly startedAt = Date.now();

  constructor(
    readonly id: string,
    readonly spec: string,
    readonly name: string | undefined,
    private readonly events: ServiceEvents,
  ) {}

  /** Takes over an opened Gateway: its channels and its end (its output goes to the log store, ServiceLogs). */
  attach(gateway: Gateway): void {
    this.gateway = gateway;
    this.state = 'open';
    gateway.on('channel', (channel: Channel) => {
      this.statsFor(channel.id).channel = channel;
      this.notifyChannels();
    });
    gateway.on('exit', (exit: GatewayExit) => this.onExit(exit));
    // A failing listener of ours is a bug to log, never a reason to lose the gateway or the server.
    gateway.on('error', (err: unknown) =>
      serviceLog(`gateway ${this.id}: a listener failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, 'error'),
    );
  }

  get language(): string {
    return this.gateway?.info?.language ?? 'python';
  }

  isOpen(): boolean {
    return this.state === 'open' && !!this.gateway && !this.gateway.isClosed();
  }

  /** The gateway, or a clear error naming why it cannot take work. */
  open(): Gateway {
    if (!this.isOpen()) {
      throw new Error(
        `gateway ${this.id} (${this.spec}) is ${this.state}${this.exitReason ? `: ${this.exitReason}` : ''}; restart it or open another`,
      );
    }
    return this.gateway!;
  }

  summary(): GatewaySummary {
    const info = this.gateway?.info;
    const c = this.gateway?.counters ?? { msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0 };
    return {
      id: this.id,
      spec: this.spec,
      name: this.name,
      state: this.state,
      info: info && {
        language: info.language,
        version: info.version,
        implementation: info.implementation,
        pid: info.pid,
        cwd: info.cwd,
        executable: info.executable,
        platform: info.platform,
        capabilities: info.capabilities,
      },
      counters: { ...c, runs: this.runs, running: this.running.size, queued: this.queue.queued().length },
      startedAt: this.startedAt,
      exitReason: this.exitReason,
    };
  }

  // ---- runs ----

  /** A fresh run id and the name its source is registered under on the agent (`<remote-exec-N>`). */
  newRun(origin: SourceOrigin, runId?: string): { runId: string; sourceName: string } {
    this.runCounter++;
    const sourceName = `<remote-exec-${this.runCounter}>`;
    this.origins.set(sourceName, origin);
    return { runId: runId ?? `${this.id}-run${this.runCounter}`, sourceName };
  }

  originOf = (sourceName: string): SourceOrigin | undefined => this.origins.get(sourceName);

  /** A library file of a traceback: a local file when the agent shares this machine's files, else read through the gateway. */
  fileUri(path: string): string | undefined {
    if (!path.startsWith('/')) return undefined;
    const encoded = path.split('/').map(encodeURIComponent).join('/');
    return this.localFiles ? `file://${encoded}` : `remote-exec-file://${encodeURIComponent(this.id)}${encoded}`;
  }

  /** Calls `fn` when the run ends (or the gateway does); returns what unregisters it. */
  whenRunEnds(runId: string | undefined, fn: () => void): () => void {
    const key = runId ?? '';
    let set = this.runEndListeners.get(key);
    if (!set) this.runEndListeners.set(key, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  private runEnded(runId: string | undefined): void {
    const keys = runId === undefined ? Array.from(this.runEndListeners.keys()) : [runId];
    for (const key of keys) {
      const listeners = this.runEndListeners.get(key);
      this.runEndListeners.delete(key);
      for (const fn of listeners ?? []) fn();
    }
  }

  /** A run was queued behind the running one: the UI's queued count changed. */
  runQueued(): void {
    this.events.gatewayChanged(this.summary());
  }
  runStarted(runId: string, channel: Channel): void {
    this.runs++;
    this.running.set(runId, channel);
    const stats = this.statsFor(channel.id);
    stats.runId = runId;
    stats.channel = channel;
    this.notifyChannels();
    this.events.gatewayChanged(this.summary());
  }

  itemReceived(channel: Channel): void {
    this.statsFor(channel.id).itemsIn++;
  }

  runFinished(runId: string, channel: Channel): void {
    this.running.delete(runId);
    this.runEnded(runId);
    this.statsFor(channel.id).closed = true;
    this.notifyChannels();
    this.events.gatewayChanged(this.summary());
    this.events.objectsChanged(this.id);
  }

  // ---- channels ----

  channels(): ChannelSummary[] {
    const open = new Set(this.gateway && !this.gateway.isClosed() ? this.gateway.listChannels().map((c) => c.id) : []);
    for (const id of open) this.statsFor(id);
    return Array.from(this.channelStats.values())
      .sort((a, b) => a.id - b.id)
      .map((s) => ({
        id: s.id,
        state: open.has(s.id) && !s.closed ? 'open' : 'closed',
        openedBy: s.id % 2 === 1 ? 'host' : 'agent',
        itemsIn: s.itemsIn,
        outputBytes: s.outputBytes,
        runId: s.runId,
      }));
  }

  closeChannel(channelId: number): void {
    const channel = this.open()
      .listChannels()
      .find((c) => c.id === channelId);
    if (!channel) throw new Error(`channel ${channelId} of gateway ${this.id} is not open`);
    channel.close();
    this.statsFor(channelId).closed = true;
    this.notifyChannels();
  }

  notifyChannels(): void {
    this.events.channelsChanged(this.id, this.channels());
  }

  private statsFor(id: number): ChannelStats {
    let stats = this.channelStats.get(id);
    if (!stats) {
      stats = { id, itemsIn: 0, outputBytes: 0, closed: false };
      this.channelStats.set(id, stats);
      this.pruneClosedChannels();
    }
    return stats;
  }

  private pruneClosedChannels(): void {
    const closed = Array.from(this.channelStats.values()).filter((s) => s.closed);
    for (const s of closed.slice(0, Math.max(0, closed.length - KEEP_CLOSED_CHANNELS))) this.channelStats.delete(s.id);
  }

  // ---- remote objects shown to the UI ----

  hold(proxy: unknown): { id: number; type: string; callable: boolean } | undefined {
    const ref = this.gateway?.objectTable.refOf(proxy as object);
    if (!ref) return undefined;
    // One live proxy per id: the table counts each reference received on it, and one release returns all.
    if (!this.held.has(ref.id)) this.held.set(ref.id, proxy);
    return { id: ref.id, type: ref.typeName, callable: ref.callable };
  }

  reprOf(id: number): string | undefined {
    return this.reprs.get(id);
  }

  rememberRepr(id: number, repr: string): void {
    this.reprs.set(id, repr);
  }

  isHeld(id: number): boolean {
    return this.held.has(id);
  }

  /** Records what a held object was shown as, for the Objects list (`run gw0-run3: value`). */
  noteHolder(id: number, holder: string): void {
    if (this.held.has(id) && !this.holders.has(id)) this.holders.set(id, holder);
  }

  /** Who keeps an exported object alive, as the Objects list says it. */
  holderOf(id: number): { holder: string; held: boolean } {
    if (this.held.has(id)) return { holder: `held by the explorer: ${this.holders.get(id) ?? 'shown in the editor'}`, held: true };
    if (this.gateway?.objectTable.holds(id)) return { holder: 'a proxy in the server, released when it is collected', held: false };
    return { holder: 'no proxy on this host (another host holds it, or its release is on the way)', held: false };
  }

  async release(objectId: number): Promise<void> {
    const proxy = this.held.get(objectId);
    if (!proxy || !isProxy(proxy)) throw new Error(`object ${objectId} is not held by this window on gateway ${this.id}`);
    this.held.delete(objectId);
    this.holders.delete(objectId);
    this.reprs.delete(objectId);
    await del(proxy);
    this.events.objectsChanged(this.id);
  }

  // ---- output (OutputAttribution) and end ----

  runOf(channelId: number): string | undefined {
    return this.channelStats.get(channelId)?.runId;
  }

  outputSeen(channelId: number, bytes: number): void {
    this.statsFor(channelId).outputBytes += bytes;
  }

  private onExit(exit: GatewayExit): void {
    // A gateway this side already marked closed has nothing more to report.
    if (this.state === 'closed') return;
    if (this.state !== 'closing') this.exitReason = exit.reason + (exit.stderrTail ? `\n${exit.stderrTail}` : '');
    this.state = 'closed';
    this.held.clear();
    this.holders.clear();
    this.reprs.clear();
    for (const stats of this.channelStats.values()) stats.closed = true;
    this.running.clear();
    this.queue.cancelAll(`gateway ${this.id} closed before the run started`);
    this.runEnded(undefined);
    this.events.gatewayChanged(this.summary());
    this.notifyChannels();
    this.events.objectsChanged(this.id);
  }
}
