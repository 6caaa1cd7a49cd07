import type { Gateway, AgentInfo, ObjectStepName } from '../../protocol';
import type { RawConnection } from './rawConnection';
import type { Snippets } from './snippets';

/** What a check reads and opens: the agent under test, seen through a gateway or through raw frames. */
export interface CheckContext {
  /** The agent's HELLO, as the first connection saw it. */
  readonly info: AgentInfo;
  /** Source snippets for the agent's language; undefined when the suite has none for it. */
  readonly snippets?: Snippets;
  /** A gateway shared by the checks that leave the agent as they found it. */
  shared(): Promise<Gateway>;
  /** A gateway to a new agent, ended after the check. */
  fresh(): Promise<Gateway>;
  /** A new agent spoken to frame by frame; `handshake: false` leaves the HELLO exchange to the check. */
  raw(options?: { handshake?: boolean; maxFrame?: number }): Promise<RawConnection>;
}

export interface Check {
  /** Shown in the report: `group: what is checked`. */
  name: string;
  /** Snippets of the agent's language this check runs; without them it is skipped. */
  needsSnippets?: boolean;
  /** A capability of §4 the agent must announce, else the check is skipped. */
  needsCapability?: string;
  /** The OBJECT steps (§7.1) the check exercises: every step of the protocol is exercised by some check. */
  steps?: ObjectStepName[];
  /** Longer bound for checks that move a lot of data; the default is the runner's. */
  timeoutMs?: number;
  run(ctx: CheckContext): Promise<void>;
}

/** A check's verdict, written as expected vs got. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
}

/** Thrown by a check that cannot run against this agent (a missing snippet, an unannounced capability). */
export class CheckSkipped extends Error {
  override readonly name = 'CheckSkipped';
}

/** Fails a check; `got` is a description (render values with `show`). */
export function fail(what: string, expected: string, got: string): never {
  throw new CheckFailure(`${what}: expected ${expected}, got ${got}`);
}

export function expectEqual(what: string, got: unknown, expected: unknown): void {
  if (!sameValue(got, expected)) fail(what, show(expected), show(got));
}

/** Fails with `expected` vs the value `got` unless `condition` holds. */
export function expectTrue(condition: unknown, what: string, expected: string, got: unknown): asserts condition {
  if (!condition) fail(what, expected, show(got));
}

/** Deep equality that tells Tuple from Array, Map from object, and NaN equals NaN. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) || a === b;
  if (typeof a !== typeof b) return false;
  if (a === null || b === null || typeof a !== 'object') return a === b;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
    const bytes = (v: unknown) => v instanceof Uint8Array;
    if (!(bytes(a) && bytes(b))) return false;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    const bEntries = Array.from(b.entries());
    return Array.from(a.entries()).every(([k, v]) => bEntries.some(([k2, v2]) => sameValue(k, k2) && sameValue(v, v2)));
  }
  if (a instanceof Set && b instanceof Set) {
    const bItems = Array.from(b);
    return a.size === b.size && Array.from(a).every((v) => bItems.some((w) => sameValue(v, w)));
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  const ka = Object.keys(a as object).sort();
  const kb = Object.keys(b as object).sort();
  return sameValue(ka, kb) && ka.every((k) => sameValue((a as any)[k], (b as any)[k]));
}

/** A short, unambiguous rendering of a value for a report line. */
export function show(value: unknown): string {
  const text = render(value, 0);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function render(v: unknown, depth: number): string {
  if (depth > 4) return '…';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'function') return `<function ${v.name || 'anonymous'}>`;
  if (v instanceof Error) return `${v.name}(${JSON.stringify(v.message.split('\n')[0])})`;
  if (v instanceof Uint8Array) return `bytes(${v.length})[${Buffer.from(v).subarray(0, 16).toString('hex')}${v.length > 16 ? '…' : ''}]`;
  if (v instanceof Map)
    return `Map{${Array.from(v.entries())
      .map(([k, x]) => `${render(k, depth + 1)} => ${render(x, depth + 1)}`)
      .join(', ')}}`;
  if (Array.isArray(v)) {
    const ctor = Object.getPrototypeOf(v)?.constructor?.name;
    const body = v.map((x) => render(x, depth + 1)).join(', ');
    return ctor && ctor !== 'Array' ? `${ctor}(${body})` : `[${body}]`;
  }
  if (typeof v === 'object') {
    const ctor = Object.getPrototypeOf(v)?.constructor?.name;
    const body = Object.entries(v as object)
      .map(([k, x]) => `${k}: ${render(x, depth + 1)}`)
      .join(', ');
    return `${ctor && ctor !== 'Object' ? ctor : ''}{${body}}`;
  }
  return String(v);
}
