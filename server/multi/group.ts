import type { Channel, Gateway, RemoteExecOptions } from '../../protocol';
import { makeGateway } from '../gateway/makeGateway';
import { MultiChannel } from './multiChannel';
import { parseXSpec, XSpecError, type XSpec } from '../gateway/xspec';

export interface GroupOptions {
  /** The spec `makeGateway()` uses when given none (execnet's `defaultspec`); default `popen`. */
  defaultSpec?: string;
  /** Threshold of remote log forwarding for every gateway of the group. */
  logLevel?: number;
}

/** Default time a gateway gets to exit on `terminate` before it is killed. */
const DEFAULT_TERMINATE_MS = 3000;

/**
 * Expands the specs a Group is given: `N*spec` (pytest-xdist's shorthand) stands for N copies of `spec`.
 * Every spec is parsed here, so a bad one is reported before any process starts.
 */
export function expandGroupSpecs(specs: string | XSpec | Iterable<string | XSpec>): XSpec[] {
  const list = typeof specs === 'string' || isXSpec(specs) ? [specs] : Array.from(specs);
  const out: XSpec[] = [];
  for (const spec of list) {
    if (typeof spec !== 'string') {
      out.push(spec);
      continue;
    }
    const repeat = /^\s*(\d+)\s*\*\s*(.*)$/s.exec(spec);
    if (!repeat) {
      out.push(parseXSpec(spec));
      continue;
    }
    const count = Number(repeat[1]);
    if (count < 1) throw new XSpecError(`${JSON.stringify(spec)} asks for ${count} gateways; N*spec needs N >= 1`);
    const parsed = parseXSpec(repeat[2]);
    if (count > 1 && parsed.id !== undefined)
      throw new XSpecError(`${JSON.stringify(spec)} would give ${count} gateways the same id=${parsed.id}`);
    for (let i = 0; i < count; i++) out.push(parseXSpec(repeat[2]));
  }
  return out;
}

function isXSpec(value: unknown): value is XSpec {
  return typeof value === 'object' && value !== null && 'transport' in value && 'raw' in value;
}

/** The id of the group member a gateway was started through (`via=`), if any. */
function viaOf(gateway: Gateway): string | undefined {
  try {
    return parseXSpec(gateway.spec).options.via || undefined;
  } catch {
    return undefined;
  }
}

type Slot = { id: string; making: Promise<Gateway>; gateway?: Gateway };

/**
 * A set of gateways used together (execnet's Group): made from specs, addressed by id (`gw0`, `gw1`, ...
 * unless a spec says `id=`), run the same code on all of them, and end them together.
 *
 * The constructor starts the gateways without waiting; `ready()` (or `Group.create`) waits for them, and
 * `remoteExec` waits on its own.
 */
export class Group implements Iterable<Gateway> {
  defaultSpec: string;
  private readonly slots: Slot[] = [];
  /** Failures of the gateways asked for at construction, reported by `ready()`. */
  private readonly failures: Error[] = [];
  private nextAutoId = 0;
  private readonly logLevel?: number;

  constructor(specs: string | XSpec | Iterable<string | XSpec> = [], options: GroupOptions = {}) {
    this.defaultSpec = options.defaultSpec ?? 'popen';
    this.logLevel = options.logLevel;
    for (const spec of expandGroupSpecs(specs)) {
      this.startGateway(spec).catch((err: Error) => this.failures.push(err));
    }
  }

  /** A group whose gateways have all started; if one cannot start, the others are ended and it throws. */
  static async create(specs: string | XSpec | Iterable<string | XSpec>, options: GroupOptions = {}): Promise<Group> {
    const group = new Group(specs, options);
    try {
      await group.ready();
    } catch (err) {
      await group.terminate();
      throw err;
    }
    return group;
  }

  /** Resolves when every gateway asked for so far has started; rejects with the first that could not. */
  async ready(): Promise<this> {
    await Promise.allSettled(this.slots.map((slot) => slot.making));
    if (this.failures.length > 0) throw this.failures[0];
    return this;
  }

  /** Opens one more gateway in the group (execnet's `makegateway`); its id is allocated at once. */
  makeGateway(spec: string | XSpec = this.defaultSpec): Promise<Gateway> {
    try {
      return this.startGateway(spec);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Allocates the id and starts the gateway; a bad spec or a taken id throws before anything starts. */
  private startGateway(spec: string | XSpec): Promise<Gateway> {
    const xspec = typeof spec === 'string' ? parseXSpec(spec) : spec;
    const id = xspec.id ?? this.allocateId();
    if (this.slots.some((slot) => slot.id === id)) throw new Error(`the group already has a gateway with id ${JSON.stringify(id)}`);
    const via = xspec.options.via;
    const viaSlot = via ? this.slots.find((slot) => slot.id === via) : undefined;
    if (via && !viaSlot)
      throw new XSpecError(
        `via=${via} in ${JSON.stringify(xspec.raw)} names no gateway of this group (${this.ids().join(', ') || 'empty'})`,
      );
    const slot: Slot = { id, making: Promise.resolve(undefined as unknown as Gateway) };
    slot.making = (async () => {
      // A gateway reached through another member can only start once that member is up.
      const viaGateway = viaSlot ? await viaSlot.making : undefined;
      const gateway = await makeGateway(xspec, { id, logLevel: this.logLevel, via: viaGateway });
      slot.gateway = gateway;
      void gateway.closed.then(() => this.remove(slot));
      return gateway;
    })();
    slot.making.catch(() => this.remove(slot));
    this.slots.push(slot);
    return slot.making;
  }

  /** The started gateways, in the order they were asked for. */
  get gateways(): Gateway[] {
    return this.slots.flatMap((slot) => (slot.gateway && !slot.gateway.isClosed() ? [slot.gateway] : []));
  }

  get length(): number {
    return this.gateways.length;
  }

  /** A member by id, or by position among the started gateways. */
  get(key: string | number): Gateway | undefined {
    if (typeof key === 'number') return this.gateways[key];
    return this.gateways.find((gateway) => gateway.id === key);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  [Symbol.iterator](): Iterator<Gateway> {
    return this.gateways[Symbol.iterator]();
  }

  /**
   * Runs `source` on every gateway (after waiting for them to start): one channel each, as a MultiChannel.
   * For a group of mixed languages, `source` may map each agent language to its code
   * (`{python: '...', node: '...'}`).
   */
  async remoteExec(
    source: string | Record<string, string>,
    options: Omit<RemoteExecOptions, 'session' | 'display'> = {},
  ): Promise<MultiChannel> {
    if (typeof source !== 'string' && (source === null || typeof source !== 'object' || Buffer.isBuffer(source)))
      throw new TypeError(
        `remoteExec needs the source as a string or a map of language to string, got ${source === null ? 'null' : typeof source}`,
      );
    await this.ready();
    const gateways = this.gateways;
    const sources = gateways.map((gateway) => {
      if (typeof source === 'string') return source;
      const code = source[gateway.info.language];
      if (typeof code !== 'string')
        throw new Error(`no source for ${gateway.info.language} (gateway ${gateway.id}); given: ${Object.keys(source).join(', ')}`);
      return code;
    });
    return new MultiChannel(gateways.map((gateway, i): [Gateway, Channel] => [gateway, gateway.remoteExec(sources[i], options)]));
  }

  /**
   * Ends every gateway: those started through another member (`via=`) first, then the members they went
   * through. A gateway that has not exited `timeoutMs` after being asked is killed.
   */
  async terminate(timeoutMs = DEFAULT_TERMINATE_MS): Promise<void> {
    await Promise.allSettled(this.slots.map((slot) => slot.making));
    let members = this.gateways;
    while (members.length > 0) {
      const needed = new Set(members.map(viaOf).filter((id): id is string => id !== undefined));
      let round = members.filter((gateway) => !needed.has(gateway.id));
      // A cycle of via= cannot be ordered: end what is left together.
      if (round.length === 0) round = members;
      await Promise.all(round.map((gateway) => gateway.exit(timeoutMs)));
      for (const gateway of round) {
        const slot = this.slots.find((s) => s.gateway === gateway);
        if (slot) this.remove(slot);
      }
      members = this.gateways;
    }
  }

  toString(): string {
    return `<Group ${JSON.stringify(this.ids())}>`;
  }

  private ids(): string[] {
    return this.slots.map((slot) => slot.id);
  }

  private allocateId(): string {
    let id: string;
    do id = `gw${this.nextAutoId++}`;
    while (this.slots.some((slot) => slot.id === id));
    return id;
  }

  private remove(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }
}
