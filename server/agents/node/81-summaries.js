// Summaries (PROTOCOL.md sec. 7.6): what a variables view, a hover and a tooltip show of a value, computed
// here so the host never decodes a value to show it: its kind, its type's name, a Jupyter-style size, and
// reprs bounded in length and in cost (a 3,000,000-item array or a 1 GiB Buffer is summarised from its
// first items).

const SHORT_REPR = 120;
const LONG_REPR = 4000;
/** Above this many own keys an object is summarised from its first keys, not by util.inspect. */
const BIG_OBJECT = 1000;

function kindOf(v) {
  if (typeof v === 'function' || v instanceof Bound) return isClass(unwrap(v)) ? 'class' : 'function';
  if (v !== null && typeof v === 'object' && modules.has(v)) return 'module';
  return 'data';
}

function isLeaf(v) {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return true;
  if (typeof v === 'function' || v instanceof Bound) return !isClass(unwrap(v));
  return v instanceof Date || v instanceof RegExp || v instanceof Promise || util.types.isBoxedPrimitive(v) || v instanceof Error;
}

function isIndexed(v) {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** The size a variables view shows, and a number to sort by (undefined when it has none). */
function sizeOf(v) {
  if (typeof v === 'string') return [`len ${v.length}`, v.length];
  if (v === null || typeof v !== 'object') return ['', undefined];
  if (isIndexed(v)) return [`len ${v.length}`, v.length];
  if (v instanceof Map || v instanceof Set) return [`size ${v.size}`, v.size];
  if (modules.has(v) || isLeaf(v)) return ['', undefined];
  const p = Object.getPrototypeOf(v);
  if (p === Object.prototype || p === null) {
    const n = Object.keys(v).length;
    return [`${n} key${n === 1 ? '' : 's'}`, n];
  }
  return ['', undefined];
}

function isExpandable(v) {
  if (isLeaf(v)) return false;
  if (isIndexed(v)) return v.length > 0;
  if (v instanceof Map || v instanceof Set) return v.size > 0;
  return true;
}

/** Whether the data viewer can show it as a table (sec. 7.7). */
function isViewable(v) {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return true;
  if (!Array.isArray(v) || v.length === 0) return false;
  const first = v[0];
  return Array.isArray(first) || isPlainObject(first);
}

function isPlainObject(v) {
  if (v === null || typeof v !== 'object') return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** At most `limit` characters of v's inspection, at a cost that does not grow with v's size. */
function reprOf(v, limit, multiline) {
  let s;
  try {
    if (v instanceof Bound) v = v.fn;
    if (isPlainObject(v) && manyKeys(v)) s = objectHead(v, limit);
    else
      s = util.inspect(v, {
        depth: multiline ? 3 : 1,
        maxArrayLength: multiline ? 100 : 30,
        maxStringLength: limit,
        breakLength: multiline ? 100 : Infinity,
        compact: multiline ? 3 : true,
        customInspect: true,
      });
  } catch (e) {
    s = `<${typeNameOf(v)} (inspect failed: ${e && e.message})>`;
  }
  if (!multiline) s = s.replace(/\s*\n\s*/g, ' ');
  return s.length > limit ? s.slice(0, limit - 1) + '…' : s;
}

function manyKeys(o) {
  let n = 0;
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k) && ++n > BIG_OBJECT) return true;
  return false;
}

function objectHead(o, limit) {
  const parts = [];
  let used = 4;
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
    const part = `${k}: ${util.inspect(o[k], { depth: 0, maxStringLength: 40, maxArrayLength: 5, breakLength: Infinity })}`;
    if (used + part.length > limit) break;
    parts.push(part);
    used += part.length + 2;
  }
  return `{ ${parts.join(', ')}, … }`;
}

function rowOf(key, name, v) {
  return {
    key,
    name,
    type: typeNameOf(v),
    size: sizeOf(v)[0],
    repr: reprOf(v, SHORT_REPR, false),
    kind: kindOf(v),
    expandable: isExpandable(v),
    viewable: isViewable(v),
  };
}

function errorRow(key, name, e) {
  const text = `${(e && e.name) || 'Error'}: ${(e && e.message) || String(e)}`;
  return {
    key,
    name,
    type: '<error>',
    size: '',
    repr: text.length > SHORT_REPR ? text.slice(0, SHORT_REPR - 1) + '…' : text,
    kind: 'data',
    expandable: false,
    viewable: false,
  };
}

function describeValue(v) {
  const t = typeNameOf(v);
  return {
    type: t,
    qualified: t,
    size: sizeOf(v)[0],
    repr: reprOf(v, SHORT_REPR, false),
    long: reprOf(v, LONG_REPR, true),
    kind: kindOf(v),
    expandable: isExpandable(v),
    viewable: isViewable(v),
  };
}
