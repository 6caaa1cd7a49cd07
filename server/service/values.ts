import { Channel, isProxy, RemoteError, Tuple } from '../../protocol';
import type { ValueSummary, VariableSummary } from '../../contract/service';

const MAX_REPR = 200;
const MAX_CHILDREN = 100;

/** What a value summary needs to know about a remote reference it meets. */
export interface RefResolver {
  /** Keeps the proxy alive and returns its object id, type and callability. */
  hold(proxy: unknown): { id: number; type: string; callable: boolean } | undefined;
  /** A known repr for an object id, if one was fetched. */
  reprOf(id: number): string | undefined;
}

/**
 * Renders a decoded remote value as JSON-safe text in the remote language's own notation (Python's
 * `None`, `True`, `'str'`, `(1,)` for a Python gateway), since that is what the user typed and expects.
 */
export function summarize(value: unknown, language: string, refs: RefResolver): ValueSummary {
  if (isProxy(value)) {
    const held = refs.hold(value);
    if (held) {
      return {
        type: held.type,
        repr: refs.reprOf(held.id) ?? `<${held.type} object #${held.id}>`,
        objectId: held.id,
        callable: held.callable,
        expandable: true,
      };
    }
  }
  const repr = clip(formatValue(value, language, 0));
  const type = typeName(value, language);
  const children = childrenOf(value, language, refs);
  return children ? { type, repr, expandable: children.length > 0, children } : { type, repr, expandable: false };
}

function childrenOf(value: unknown, language: string, refs: RefResolver): VariableSummary[] | undefined {
  if (Array.isArray(value)) {
    return value.slice(0, MAX_CHILDREN).map((item, i) => ({ name: String(i), value: summarize(item, language, refs) }));
  }
  if (value instanceof Map) {
    return Array.from(value.entries())
      .slice(0, MAX_CHILDREN)
      .map(([k, v]) => ({ name: clip(formatValue(k, language, 1)), value: summarize(v, language, refs) }));
  }
  if (isPlainRecord(value)) {
    return Object.entries(value)
      .slice(0, MAX_CHILDREN)
      .map(([k, v]) => ({ name: language === 'python' ? `'${k}'` : k, value: summarize(v, language, refs) }));
  }
  return undefined;
}

export function typeName(value: unknown, language: string): string {
  const py = language === 'python';
  if (value === null || value === undefined) return py ? 'NoneType' : 'null';
  if (typeof value === 'boolean') return py ? 'bool' : 'boolean';
  if (typeof value === 'number') return py ? (Number.isInteger(value) ? 'int' : 'float') : 'number';
  if (typeof value === 'bigint') return py ? 'int' : 'bigint';
  if (typeof value === 'string') return py ? 'str' : 'string';
  if (value instanceof Uint8Array) return py ? 'bytes' : 'Buffer';
  if (value instanceof Tuple) return 'tuple';
  if (Array.isArray(value)) return py ? 'list' : 'Array';
  if (value instanceof Map) return py ? 'dict' : 'Map';
  if (value instanceof Channel) return 'Channel';
  if (value instanceof RemoteError) return value.remoteType;
  return py ? 'dict' : 'Object';
}

/** A bounded repr in the remote language's notation; deeper levels are cut short. */
export function formatValue(value: unknown, language: string, depth: number): string {
  const py = language === 'python';
  if (depth > 4) return '…';
  if (value === null || value === undefined) return py ? 'None' : String(value);
  if (typeof value === 'boolean') return py ? (value ? 'True' : 'False') : String(value);
  if (typeof value === 'number') return pyNumber(value, py);
  if (typeof value === 'bigint') return py ? value.toString() : `${value}n`;
  if (typeof value === 'string') return py ? pyString(value) : JSON.stringify(value);
  if (value instanceof Uint8Array) return py ? `b${pyString(Buffer.from(value).toString('latin1'))}` : `<Buffer ${value.length} bytes>`;
  if (value instanceof Channel) return `<Channel id=${value.id}>`;
  if (value instanceof RemoteError)
    return `${value.remoteType}(${py ? pyString(value.remoteMessage) : JSON.stringify(value.remoteMessage)})`;
  if (isProxy(value)) return String(value);
  if (Array.isArray(value)) {
    const items = joinBounded(value.map((v) => formatValue(v, language, depth + 1)));
    if (value instanceof Tuple) return value.length === 1 ? `(${items},)` : `(${items})`;
    return `[${items}]`;
  }
  if (value instanceof Map) {
    const items = joinBounded(
      Array.from(value.entries()).map(([k, v]) => `${formatValue(k, language, depth + 1)}: ${formatValue(v, language, depth + 1)}`),
    );
    return py ? `{${items}}` : `Map(${value.size}) {${items}}`;
  }
  if (isPlainRecord(value)) {
    const items = joinBounded(Object.entries(value).map(([k, v]) => `${py ? pyString(k) : k}: ${formatValue(v, language, depth + 1)}`));
    return `{${items}}`;
  }
  return String(value);
}

function pyNumber(value: number, py: boolean): string {
  if (!py) return String(value);
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return String(value);
}

function pyString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}

function joinBounded(parts: string[]): string {
  let out = '';
  for (const part of parts) {
    const next = out ? `${out}, ${part}` : part;
    if (next.length > MAX_REPR) return `${out}, …`;
    out = next;
  }
  return out;
}

function clip(text: string): string {
  return text.length > MAX_REPR ? `${text.slice(0, MAX_REPR - 1)}…` : text;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
