// Children (PROTOCOL.md sec. 7.6): the pages a variables view lists, each child a row of what is shown of it
// and a key to reach it again. Arrays and typed arrays list their items, Maps and Sets their entries, other
// objects their properties (filtered by kind without running a getter), the root the session's names.

const CHILDREN_MAX = 1000;

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
