// Variables (PROTOCOL.md sec. 7.6): what a variables view, a hover and a completion show of values, computed
// here so the host never decodes a value to show it. Reprs are bounded in length and in cost (a 3,000,000-item
// array or a 1 GiB Buffer is summarised from its first items); children are paged by key: items of arrays,
// entries of Maps and Sets, properties of other objects, and at the root the session's names.

const SHORT_REPR = 120;
const LONG_REPR = 4000;
const CHILDREN_MAX = 1000;
const COMPLETIONS_MAX = 2000;
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

// ---- children ------------------------------------------------------------------------------------

function option(options, name, fallback) {
  if (!options || typeof options !== 'object') return fallback;
  const v = options[name];
  return v === undefined || v === null ? fallback : v;
}

function pageBounds(options) {
  const offset = option(options, 'offset', 0);
  const limit = option(options, 'limit', 100);
  if (!Number.isInteger(offset) || !Number.isInteger(limit) || offset < 0 || limit < 0)
    throw new RangeError('children: offset and limit are non-negative integers');
  return [offset, Math.min(limit, CHILDREN_MAX)];
}

function childrenPage(o, options) {
  const [offset, limit] = pageBounds(options);
  if (o === ROOT) {
    const names = sessionNames();
    return namedPage(
      'variables',
      names,
      (n) => sessionLookup(n).value,
      (n) => kindOf(sessionLookup(n).value),
      options,
      offset,
      limit,
    );
  }
  if (isIndexed(o)) {
    const rows = [];
    for (let i = offset; i < Math.min(o.length, offset + limit); i++) {
      try {
        rows.push(rowOf(['i', i], String(i), o[i]));
      } catch (e) {
        rows.push(errorRow(['i', i], String(i), e));
      }
    }
    return { kind: 'items', total: o.length, hidden: 0, offset, rows };
  }
  if (o instanceof Map) {
    const rows = [];
    let i = 0;
    for (const [k, v] of o) {
      if (i >= offset + limit) break;
      if (i >= offset) {
        const exact = typeof k === 'string' || Number.isSafeInteger(k);
        rows.push(rowOf(exact ? ['k', k] : ['n', i], reprOf(k, SHORT_REPR, false), v));
      }
      i++;
    }
    return { kind: 'entries', total: o.size, hidden: 0, offset, rows };
  }
  if (o instanceof Set) {
    const rows = [];
    let i = 0;
    for (const v of o) {
      if (i >= offset + limit) break;
      if (i >= offset) rows.push(rowOf(['n', i], String(i), v));
      i++;
    }
    return { kind: 'entries', total: o.size, hidden: 0, offset, rows };
  }
  if (o === null || o === undefined) return { kind: 'attributes', total: 0, hidden: 0, offset, rows: [] };
  const boxed = Object(o);
  return namedPage(
    'attributes',
    attrNames(boxed),
    (n) => boxed[n],
    (n) => staticKind(boxed, n),
    options,
    offset,
    limit,
  );
}

function hiddenName(name, kind, options) {
  if ((name.startsWith('_') || name.startsWith('#')) && !option(options, 'private', false)) return true;
  if (kind === 'function' && !option(options, 'functions', false)) return true;
  if (kind === 'class' && !option(options, 'classes', false)) return true;
  if (kind === 'module' && !option(options, 'modules', false)) return true;
  return false;
}

function nameOrder(a, b) {
  const rank = (n) => (n.startsWith('_') ? 1 : 0);
  return rank(a) - rank(b) || a.toLowerCase().localeCompare(b.toLowerCase()) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Named children (variables, properties): filtered by name and kind, sorted, paged; only the page is read. */
function namedPage(kind, names, value, staticKindOf, options, offset, limit) {
  const text = String(option(options, 'filter', '')).toLowerCase();
  let shown = [];
  for (const n of names) {
    if (text && !n.toLowerCase().includes(text)) continue;
    let k;
    try {
      k = staticKindOf(n);
    } catch {
      k = 'data';
    }
    if (!hiddenName(n, k, options)) shown.push(n);
  }
  const hidden = names.length - shown.length;
  const sort = option(options, 'sort', 'name');
  const sign = option(options, 'descending', false) ? -1 : 1;
  if (sort === 'type' || sort === 'size') {
    const keyed = shown.map((n) => {
      let k;
      try {
        const v = value(n);
        k = sort === 'type' ? typeNameOf(v).toLowerCase() : sizeOf(v)[1];
      } catch {
        k = undefined;
      }
      return [k === undefined ? (sort === 'type' ? '' : -1) : k, n];
    });
    keyed.sort((a, b) => sign * ((a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) || nameOrder(a[1], b[1])));
    shown = keyed.map((p) => p[1]);
  } else shown.sort((a, b) => sign * nameOrder(a, b));
  const rows = [];
  for (const n of shown.slice(offset, offset + limit)) {
    try {
      rows.push(rowOf(['a', n], n, value(n)));
    } catch (e) {
      rows.push(errorRow(['a', n], n, e));
    }
  }
  return { kind, total: shown.length, hidden, offset, rows };
}

/** The property descriptor of `name` on o or its prototypes, without running a getter. */
function descriptorOf(o, name) {
  let p = o;
  for (let depth = 0; p !== null && p !== undefined && depth < 50; depth++) {
    const d = Object.getOwnPropertyDescriptor(p, name);
    if (d) return d;
    p = Object.getPrototypeOf(p);
  }
  return undefined;
}

function staticKind(o, name) {
  const d = descriptorOf(o, name);
  if (!d || !('value' in d)) return 'data'; // a getter: read only for the rows shown
  return kindOf(d.value);
}

function childOf(o, key) {
  if (!Array.isArray(key) || key.length !== 2 || typeof key[0] !== 'string')
    throw new TypeError(`a child key is [tag, value], as a children page gives it: ${util.inspect(key)}`);
  const [tag, k] = key;
  if (o === ROOT) {
    if (tag !== 'a') throw new TypeError('children of the root are named: ["a", name]');
    const found = sessionLookup(String(k));
    if (!found.found) throw new ReferenceError(`${String(k)} is not defined`);
    return found.value;
  }
  switch (tag) {
    case 'a':
      return Object(o)[k];
    case 'i':
      return o[k];
    case 'k':
      return o instanceof Map ? o.get(k) : o[k];
    case 'n': {
      if (!Number.isInteger(k) || k < 0) throw new RangeError('["n", i] takes a non-negative position');
      let i = 0;
      for (const x of o instanceof Map ? o.values() : o) if (i++ === k) return x;
      throw new RangeError(`position ${k} is past the end (${i})`);
    }
    default:
      throw new TypeError(`unknown child key tag ${util.inspect(tag)} (a, i, k or n)`);
  }
}

// ---- completions ---------------------------------------------------------------------------------

/** [name, kind, typeName] of the properties (the session's names at the root) starting with `prefix`. */
function completions(o, prefix, limit) {
  prefix = typeof prefix === 'string' ? prefix : '';
  limit = Math.min(Number.isInteger(limit) && limit > 0 ? limit : 500, COMPLETIONS_MAX);
  const low = prefix.toLowerCase();
  let names;
  let typed;
  if (o === ROOT) {
    names = sessionNames();
    typed = (n) => {
      const v = sessionLookup(n).value;
      return [kindOf(v), typeNameOf(v)];
    };
  } else {
    const boxed = o === null || o === undefined ? null : Object(o);
    names = boxed ? attrNames(boxed) : [];
    typed = (n) => {
      const d = descriptorOf(boxed, n);
      if (!d) return ['data', ''];
      if (!('value' in d)) return ['property', ''];
      return [kindOf(d.value), typeNameOf(d.value)];
    };
  }
  const shown = names.filter((n) => n.toLowerCase().startsWith(low) && (prefix.startsWith('_') || !n.startsWith('_'))).sort(nameOrder);
  return shown.slice(0, limit).map((n) => {
    try {
      return [n, ...typed(n)];
    } catch {
      return [n, 'data', ''];
    }
  });
}
