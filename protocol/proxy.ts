import { inspect as nodeInspect } from 'util';
import type { ObjectStep, ReturnType } from './messages';
import type { ObjectTable } from './objectTable';

/** The host's record of one remote reference held by a proxy. */
export interface Holder {
  id: number;
  typeName: string;
  callable: boolean;
  /** References received for this id and not yet released. */
  count: number;
  /** Requests in flight on this object; a release waits for them (never drops one). */
  inflight: number;
  released: boolean;
  onIdle?: () => void;
  table: ObjectTable;
}

/** Keyword arguments for a remote call: `proxy.f(1, kw({ reverse: true }))`. */
export class Kw {
  constructor(readonly kwargs: Record<string, unknown>) {}
}
export function kw(kwargs: Record<string, unknown>): Kw {
  return new Kw(kwargs);
}

interface ProxyState {
  holder: Holder | null;
  steps: ObjectStep[];
  table: ObjectTable;
  /**
   * The resolved proxy a chain starts from (a resolved proxy's own). Chains and requests in flight hold
   * it, so collecting it, which releases the remote object, waits until nothing can still use the object.
   */
  base: object;
}

const states = new WeakMap<object, ProxyState>();
const ITER_BATCH = 256;

export function isProxy(value: unknown): boolean {
  return (typeof value === 'function' || typeof value === 'object') && value !== null && states.has(value);
}

export function holderOf(value: object): Holder | undefined {
  const state = states.get(value);
  return state && state.steps.length === 0 ? (state.holder ?? undefined) : undefined;
}

/**
 * Why `value`, a proxy, cannot be sent through `table`'s gateway, in words a user recognises; undefined
 * when it is not a proxy or can be sent.
 */
export function unsendableProxy(value: unknown, table: ObjectTable): string | undefined {
  const state = (typeof value === 'function' || typeof value === 'object') && value !== null ? states.get(value) : undefined;
  if (!state) return undefined;
  const what = describe({ ...state, steps: [] });
  if (state.table !== table)
    return `a proxy of another gateway (${what} on ${state.table.gatewayId}): a proxy goes only to its own gateway; send a value instead`;
  if (state.steps.length > 0) return `a proxy chain not yet sent (${describe(state).replace(/ \(not yet sent\)$/, '')}): await it first`;
  return undefined;
}

function stateOf(value: unknown, what: string): ProxyState {
  const state = typeof value === 'function' || (typeof value === 'object' && value !== null) ? states.get(value) : undefined;
  if (!state) throw new TypeError(`${what} expects a remote object proxy`);
  return state;
}

/** A proxy's target: a function (so the proxy is callable) carrying its state, read by the shared traps. */
interface ProxyTarget {
  (): void;
  [STATE]: ProxyState;
  [nodeInspect.custom]: () => string;
}
const STATE = Symbol('remote-exec.proxyState');
/** Calls carry no keywords most of the time; one frozen object serves them all. */
const NO_KWARGS: Record<string, unknown> = Object.freeze({});

/**
 * util.inspect looks through a Proxy at its target, never calling the get trap, and calls the target's
 * custom inspector with the proxy (or the target) as `this`; one function serves every proxy.
 */
function inspectProxy(this: object): string {
  const state = states.get(this) ?? (this as ProxyTarget)[STATE];
  return state ? describe(state) : '<remote>';
}

/**
 * One handler serves every proxy: a million pending chains cost their state and steps, not a set of
 * closures each (test/faults/pendingCalls.test.ts).
 */
const proxyTraps: ProxyHandler<ProxyTarget> = {
  get(target, prop) {
    const state = target[STATE];
    if (prop === 'then') {
      // A resolved proxy is a value, not a promise; a chain resolves by sending itself.
      if (state.steps.length === 0) return undefined;
      return (onFulfilled?: (v: unknown) => unknown, onRejected?: (e: unknown) => unknown) =>
        send(state.table, state, 'auto').then(onFulfilled, onRejected);
    }
    if (prop === Symbol.asyncIterator) return () => iterate(state.table, state);
    if (prop === Symbol.asyncDispose) return () => releaseState(state);
    if (prop === nodeInspect.custom || prop === Symbol.toStringTag || prop === 'toString' || prop === Symbol.toPrimitive) {
      return () => describe(state);
    }
    if (typeof prop === 'symbol') return undefined;
    return createProxy(state.holder, [...state.steps, ['getattr', prop]], state.table, state.base);
  },
  apply(target, _this, args: unknown[]) {
    const state = target[STATE];
    let kwargs = NO_KWARGS;
    if (args.length > 0 && args[args.length - 1] instanceof Kw) kwargs = (args.pop() as Kw).kwargs;
    return createProxy(state.holder, [...state.steps, ['call', args, kwargs]], state.table, state.base);
  },
  set(_t, prop) {
    throw new TypeError(
      `cannot assign ${String(prop)} on a remote object: an assignment cannot report a remote error; use await setattr(proxy, ${JSON.stringify(String(prop))}, value)`,
    );
  },
  deleteProperty(_t, prop) {
    throw new TypeError(
      `cannot delete ${String(prop)} on a remote object with 'delete': a deletion cannot report a remote error; use await delattr(proxy, ${JSON.stringify(String(prop))})`,
    );
  },
  has() {
    return false;
  },
};

/**
 * A proxy over a remote object and a chain of steps not yet sent. Reading a property or calling extends
 * the chain; awaiting it sends the whole chain as one OBJECT request (promise pipelining).
 */
export function createProxy(holder: Holder | null, steps: ObjectStep[], table?: ObjectTable, base?: object): any {
  const state = { holder, steps, table: holder?.table ?? table!, base } as ProxyState;
  const target = function remoteProxy() {} as ProxyTarget;
  target[STATE] = state;
  target[nodeInspect.custom] = inspectProxy;
  const proxy: any = new Proxy(target, proxyTraps);
  // A resolved proxy is its own base; the WeakMap entry holding it does not keep it alive.
  state.base ??= proxy;
  states.set(proxy, state);
  return proxy;
}

function describe(state: ProxyState): string {
  const base = state.holder ? `<RemoteObject id=${state.holder.id} type=${state.holder.typeName}>` : '<remote>';
  return state.steps.length === 0 ? base : `${base}${state.steps.map(describeStep).join('')} (not yet sent)`;
}

function describeStep(step: ObjectStep): string {
  switch (step[0]) {
    case 'getattr':
      return `.${String(step[1])}`;
    case 'call':
      return '(…)';
    case 'import':
      return `import ${step[1]}`;
    default:
      return `[${step[0]}]`;
  }
}

/** Sends a chain; chains used as call arguments are resolved first, each to a reference. */
function send(table: ObjectTable, state: ProxyState, returnType: ReturnType, extra: ObjectStep[] = []): Promise<unknown> {
  const steps = extra.length > 0 ? [...state.steps, ...extra] : state.steps;
  // The request holds its object's proxy until it settles, so collecting it cannot release the object meanwhile.
  return table.request(state.holder, steps.some(hasUnsentChain) ? resolveArguments(steps) : steps, returnType, state.base);
}

/** Every value a step carries that may be a proxy: call arguments and keyword values, keys, set values. */
function stepValues(step: ObjectStep): unknown[] {
  return step[0] === 'call' ? [...step[1], ...Object.values(step[2])] : step.slice(1);
}

function isUnsentChain(value: unknown): boolean {
  return isProxy(value) && states.get(value as object)!.steps.length > 0;
}

function hasUnsentChain(step: ObjectStep): boolean {
  return stepValues(step).some(isUnsentChain);
}

/** Sends every unsent chain among the steps' values first, each resolved to a reference. */
async function resolveArguments(steps: ObjectStep[]): Promise<ObjectStep[]> {
  const resolveValue = (v: unknown): unknown => {
    if (!isUnsentChain(v)) return v;
    const s = states.get(v as object)!;
    return send(s.table, s, 'proxy');
  };
  return Promise.all(
    steps.map(async (step): Promise<ObjectStep> => {
      if (step[0] !== 'call') return [step[0], ...(await Promise.all(step.slice(1).map(resolveValue)))] as ObjectStep;
      // Positional and keyword chains go out together: one round trip for all of them.
      const [args, kwargs] = await Promise.all([
        Promise.all(step[1].map(resolveValue)),
        Promise.all(Object.entries(step[2]).map(async ([k, v]) => [k, await resolveValue(v)] as const)),
      ]);
      return ['call', args, Object.fromEntries(kwargs)];
    }),
  );
}

async function* iterate(table: ObjectTable, state: ProxyState): AsyncGenerator<unknown> {
  const [iterator, first, done] = (await send(table, state, 'auto', [['iter', ITER_BATCH]])) as [any, unknown[], boolean];
  try {
    yield* first;
    let finished = done;
    while (!finished) {
      const [items, end] = (await send(table, states.get(iterator)!, 'auto', [['next', ITER_BATCH]])) as [unknown[], boolean];
      yield* items;
      finished = end;
    }
  } finally {
    if (iterator) await releaseProxy(iterator);
  }
}

function releaseProxy(proxy: unknown): Promise<void> {
  return releaseState(stateOf(proxy, 'del'));
}

function releaseState(state: ProxyState): Promise<void> {
  if (!state.holder) return Promise.resolve();
  if (state.steps.length > 0) throw new TypeError('del expects a resolved proxy; await the chain first');
  return state.holder.table.release(state.holder);
}

/** Sends a chain (or a resolved proxy with one more step) with an explicit return rule. */
function sendWith(proxy: unknown, what: string, step: ObjectStep | undefined, returnType: ReturnType = 'auto'): Promise<unknown> {
  const state = stateOf(proxy, what);
  return send(state.table, state, returnType, step ? [step] : []);
}

// ---- saranwrap's commands as helpers ----

export function getattr(proxy: unknown, name: string): Promise<unknown> {
  return sendWith(proxy, 'getattr', ['getattr', name]);
}
export function setattr(proxy: unknown, name: string, value: unknown): Promise<void> {
  return sendWith(proxy, 'setattr', ['setattr', name, value]) as Promise<void>;
}
export function getitem(proxy: unknown, key: unknown): Promise<unknown> {
  return sendWith(proxy, 'getitem', ['getitem', key]);
}
export function setitem(proxy: unknown, key: unknown, value: unknown): Promise<void> {
  return sendWith(proxy, 'setitem', ['setitem', key, value]) as Promise<void>;
}
export function delattr(proxy: unknown, name: string): Promise<void> {
  return sendWith(proxy, 'delattr', ['delattr', name]) as Promise<void>;
}
export function delitem(proxy: unknown, key: unknown): Promise<void> {
  return sendWith(proxy, 'delitem', ['delitem', key]) as Promise<void>;
}
export function eq(proxy: unknown, other: unknown): Promise<boolean> {
  return sendWith(proxy, 'eq', ['eq', other]) as Promise<boolean>;
}
export function repr(proxy: unknown): Promise<string> {
  return sendWith(proxy, 'repr', ['repr']) as Promise<string>;
}
/** Releases the remote object now (after any request in flight on it). */
export function del(proxy: unknown): Promise<void> {
  return releaseProxy(proxy);
}
/** Sends a chain with an explicit return rule: `await resolve(time.gmtime(0), 'value')`. */
export function resolve(proxy: unknown, returnType: ReturnType = 'auto'): Promise<unknown> {
  return sendWith(proxy, 'resolve', undefined, returnType);
}

export interface ObjectInspection {
  id: number;
  type: string;
  repr: string;
  len?: number;
  callable: boolean;
  attrs: [name: string, typeName: string, shortRepr: string][];
  total: number;
}

/** Id, type, bounded repr, length and a page of attributes of a remote object (PROTOCOL.md §7.5). */
export function inspect(proxy: unknown, offset = 0, limit = 100): Promise<ObjectInspection> {
  return sendWith(proxy, 'inspect', ['inspect', offset, limit]) as Promise<ObjectInspection>;
}
