// Objects (sec. 7): OBJECT requests and their steps, and the table of exported objects (RELEASE).
// JS adaptation: the kwargs of a "call" step, when not empty, are passed as one trailing options object.

// The steps of an OBJECT request (PROTOCOL.md sec. 7.1), one line each: name, the function applying it to
// an object, and the one applying it to the agent's root (target nil); null where it does not apply.
const STEPS = [
  ['import', stepImport, stepImport],
  ['getattr', stepGetattr, rootGetattr],
  ['setattr', stepSetattr, null],
  ['getitem', stepGetitem, null],
  ['setitem', stepSetitem, null],
  ['delattr', stepDelattr, null],
  ['delitem', stepDelitem, null],
  ['call', stepCall, null],
  ['eq', stepEq, null],
  ['repr', stepRepr, null],
  ['iter', stepIter, null],
  ['next', stepNext, null],
  ['inspect', stepInspect, null],
  ['list', null, rootList],
  ['namespace', null, rootNamespace],
  ['statement_at', null, rootStatementAt],
  ['str', stepStr, null],
  ['len', stepLen, null],
  ['children', stepChildren, rootChildren],
  ['child', stepChild, rootChild],
  ['describe', stepDescribe, null],
  ['table', stepTable, null],
  ['complete', stepComplete, rootComplete],
];
const OBJECT_STEPS = new Map(STEPS.filter((s) => s[1]).map((s) => [s[0], s[1]]));
const ROOT_STEPS = new Map(STEPS.filter((s) => s[2]).map((s) => [s[0], s[2]]));
const ROOT_STEP_NAMES = [...ROOT_STEPS.keys()].join(', ').replace(/, ([^,]*)$/, ' and $1');

// Exported objects (sec. 7.4)

const exported = new Map(); // id -> entry
const exportedBy = new Map(); // object -> entry
let nextObjectId = 1;
const modules = new WeakSet();
const boundCache = new WeakMap(); // receiver -> Map(fn -> Bound)

function exportObject(obj, receiver) {
  if (
    typeof obj === 'function' &&
    receiver !== undefined &&
    receiver !== null &&
    receiver !== globalThis &&
    !modules.has(receiver) &&
    !isClass(obj)
  ) {
    obj = boundFor(obj, receiver);
  }
  let entry = exportedBy.get(obj);
  if (entry) {
    entry.count++;
    return entry;
  }
  entry = {
    id: nextObjectId++,
    obj,
    count: 1,
    typeName: obj instanceof Bound ? 'method' : typeNameOf(obj),
    callable: typeof obj === 'function' || obj instanceof Bound,
  };
  exported.set(entry.id, entry);
  exportedBy.set(obj, entry);
  return entry;
}
function unexport(entry, n = 1) {
  entry.count -= n;
  if (entry.count <= 0 && exported.get(entry.id) === entry) {
    exported.delete(entry.id);
    exportedBy.delete(entry.obj);
  }
}
/** RELEASE: `[[objectId, count], ...]` subtracts from each count; an entry at zero is dropped. */
function onRelease(id, payload) {
  if (!Array.isArray(payload)) return;
  for (const pair of payload) {
    if (!Array.isArray(pair)) continue;
    const entry = exported.get(pair[0]);
    if (entry) unexport(entry, Number(pair[1]) || 0);
  }
}

function boundFor(fn, self) {
  if (typeof self !== 'object' && typeof self !== 'function') return new Bound(fn, self);
  let m = boundCache.get(self);
  if (!m) {
    m = new Map();
    boundCache.set(self, m);
  }
  let b = m.get(fn);
  if (!b) {
    b = new Bound(fn, self);
    m.set(fn, b);
  }
  return b;
}

function isClass(f) {
  try {
    return typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));
  } catch {
    return false;
  }
}

function typeNameOf(v) {
  if (v === null) return 'null';
  const t = typeof v;
  if (t === 'function') {
    if (v instanceof Bound) return 'method';
    if (isClass(v)) return 'class';
    try {
      return (v.constructor && v.constructor.name) || 'Function';
    } catch {
      return 'Function';
    }
  }
  if (t !== 'object') return t;
  if (v instanceof Bound) return 'method';
  if (modules.has(v)) return 'module';
  if (Array.isArray(v)) return v instanceof Tuple ? 'Tuple' : 'Array';
  try {
    const p = Object.getPrototypeOf(v);
    if (p === null) return 'Object';
    const c = p.constructor;
    if (typeof c === 'function' && c.name) return c.name;
  } catch {
    /* ignore */
  }
  return Object.prototype.toString.call(v).slice(8, -1);
}

function isPlainData(v, d) {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return true;
    case 'object': {
      if (v === null) return true;
      if (d > 100) return false;
      const p = Object.getPrototypeOf(v);
      if (p === Array.prototype || p === Tuple.prototype) {
        for (let i = 0; i < v.length; i++) if (!isPlainData(v[i], d + 1)) return false;
        return true;
      }
      if (p === Buffer.prototype || p === Uint8Array.prototype) return true;
      if (p === Object.prototype || p === null) {
        for (const k of Object.keys(v)) if (!isPlainData(v[k], d + 1)) return false;
        return true;
      }
      if (p === Map.prototype) {
        for (const [k, x] of v) if (!isPlainData(k, d + 1) || !isPlainData(x, d + 1)) return false;
        return true;
      }
      return false;
    }
    default:
      return false;
  }
}

function safeInspect(v, max, depth = 2) {
  let s;
  try {
    if (v instanceof Bound) v = v.fn;
    s = util.inspect(v, { depth, maxArrayLength: 100, maxStringLength: 1000, breakLength: Infinity, compact: 3, customInspect: true });
  } catch (e) {
    s = `<${typeNameOf(v)} (inspect failed: ${e && e.message})>`;
  }
  return s.length > max ? s.slice(0, max - 3) + '...' : s;
}

// ---------------------------------------------------------------------------------------------------
// OBJECT requests (sec. 7)

const ROOT = Symbol('root');
let userRequire = null;
function getUserRequire() {
  if (!userRequire) {
    const req = NodeModule.createRequire(path.join(process.cwd(), '__remote_exec__.js'));
    // What user code requires is a module to a variables view (hidden with the other modules, sec. 7.6).
    userRequire = Object.assign(
      function require(id) {
        const m = req(id);
        if (m && (typeof m === 'object' || typeof m === 'function')) modules.add(m);
        return m;
      },
      { resolve: req.resolve, cache: req.cache, main: req.main, extensions: req.extensions },
    );
  }
  return userRequire;
}

function isThenable(v) {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
}

function unwrap(v) {
  return v instanceof Bound ? v.fn : v;
}

function autoRule(v, receiver) {
  return isPlainData(v, 0) ? v : new RefMarker(v, receiver);
}

async function handleObject(reqId, payload) {
  let value,
    fallback,
    mode = MODE_STRICT;
  try {
    if (!Array.isArray(payload) || payload.length < 2 || !Array.isArray(payload[1]))
      throw new TypeError('an OBJECT request is [target, steps, returnType]');
    const [target, steps, rt = 'auto'] = payload;
    // What the steps read and advance: the current value, the object it was read from (a method called
    // next keeps it as `this`), and the reply when the last step shapes it itself.
    const state = { cur: ROOT, receiver: undefined, formatted: null };
    if (target !== null && target !== undefined) {
      const entry = exported.get(target);
      if (!entry) throw new ReferenceError(`no exported object with id ${target} (released?)`);
      state.cur = entry.obj;
    }
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (!Array.isArray(step) || typeof step[0] !== 'string') throw new TypeError(`step ${i} is not [name, ...args]`);
      const op = step[0];
      if (state.cur instanceof UnknownRef) throw new ReferenceError(`no exported object with id ${state.cur.id} (released?)`);
      let apply;
      if (state.cur === ROOT) {
        apply = ROOT_STEPS.get(op);
        if (!apply) throw new TypeError(`step "${op}" needs a target object (only ${ROOT_STEP_NAMES} apply to the root)`);
      } else {
        apply = OBJECT_STEPS.get(op);
        if (!apply) throw new TypeError(`unknown OBJECT step "${op}"`);
      }
      // Only steps that wait (a call returning a promise, iteration) return something to await.
      const pending = apply(state, step, i === steps.length - 1);
      if (pending !== undefined) await pending;
    }
    const { cur, receiver, formatted } = state;
    if (formatted) value = new Formatted(formatted);
    else if (rt === 'proxy') value = new RefMarker(cur, receiver);
    else if (rt === 'value') {
      value = cur;
      mode = MODE_REFS;
      if (typeof cur === 'function' && receiver !== undefined) value = new RefMarker(cur, receiver);
      // §7.3: a value that cannot be sent by value (a cycle, too deep) comes back as a reference instead.
      fallback = new RefMarker(cur, receiver);
    } else value = autoRule(cur, receiver);
  } catch (e) {
    replyError(reqId, e);
    return;
  }
  try {
    sendMsg(REPLY, reqId, value, mode);
  } catch (e) {
    let err = e;
    if (fallback) {
      try {
        sendMsg(REPLY, reqId, fallback);
        return;
      } catch (e2) {
        err = e2;
      }
    }
    replyError(reqId, err);
  }
}

// The steps of STEPS, each (state, step, last): they advance the state of handleObject.

function stepImport(state, step) {
  const m = getUserRequire()(String(step[1]));
  if (m && (typeof m === 'object' || typeof m === 'function')) modules.add(m);
  state.cur = m;
  state.receiver = undefined;
}
function stepGetattr(state, step) {
  const o = unwrap(state.cur);
  state.receiver = o;
  state.cur = o[step[1]];
}
function stepSetattr(state, step) {
  unwrap(state.cur)[step[1]] = step[2];
  state.cur = null;
  state.receiver = undefined;
}
function stepGetitem(state, step) {
  const o = unwrap(state.cur);
  state.receiver = o;
  state.cur = getItem(o, step[1]);
}
function stepSetitem(state, step) {
  setItem(unwrap(state.cur), step[1], step[2]);
  state.cur = null;
  state.receiver = undefined;
}
function stepDelattr(state, step) {
  delete unwrap(state.cur)[step[1]];
  state.cur = null;
  state.receiver = undefined;
}
function stepDelitem(state, step) {
  delItem(unwrap(state.cur), step[1]);
  state.cur = null;
  state.receiver = undefined;
}
function stepCall(state, step) {
  const r = callStep(state.cur, state.receiver, step[1], step[2]);
  state.receiver = undefined;
  if (isThenable(r)) return settleInto(state, r);
  state.cur = r;
}
async function settleInto(state, thenable) {
  state.cur = await thenable;
}
function stepEq(state, step) {
  state.cur = equals(state.cur, step[1]);
  state.receiver = undefined;
}
function stepRepr(state) {
  state.cur = safeInspect(state.cur, 10000);
  state.receiver = undefined;
}
async function stepIter(state, step, last) {
  const it = getIterator(unwrap(state.cur));
  const [items, done] = await pull(it, Math.max(0, Number(step[1]) || 0));
  if (last) state.formatted = [new RefMarker(it), items.map((x) => autoRule(x)), done];
  state.cur = [it, items, done];
  state.receiver = undefined;
}
async function stepNext(state, step, last) {
  const it = unwrap(state.cur);
  if (!it || typeof it.next !== 'function') throw new TypeError(`${typeNameOf(it)} is not an iterator`);
  const [items, done] = await pull(it, Math.max(1, Number(step[1]) || 1));
  if (last) state.formatted = [items.map((x) => autoRule(x)), done];
  state.cur = [items, done];
  state.receiver = undefined;
}
function stepInspect(state, step, last) {
  const r = inspectObject(state.cur, Number(step[1]) || 0, step[2] == null ? 100 : Number(step[2]));
  state.cur = r;
  if (last) state.formatted = r;
  state.receiver = undefined;
}
function stepStr(state) {
  state.cur = String(unwrap(state.cur));
  state.receiver = undefined;
}
function stepLen(state) {
  const n = lengthOf(unwrap(state.cur));
  if (n === undefined) throw new TypeError(`${typeNameOf(state.cur)} has no length`);
  state.cur = n;
  state.receiver = undefined;
}

// What a variables view, a data viewer, a hover and a completion show (sec. 7.6 and 7.7).

function stepChildren(state, step, last) {
  shapeInto(state, childrenPage(unwrap(state.cur), step[1]), last);
}
function stepChild(state, step) {
  const o = unwrap(state.cur);
  state.cur = childOf(o, step[1]);
  state.receiver = o;
}
function stepDescribe(state, step, last) {
  shapeInto(state, describeValue(unwrap(state.cur)), last);
}
function stepTable(state, step, last) {
  shapeInto(state, tablePage(unwrap(state.cur), step[1]), last);
}
function stepComplete(state, step, last) {
  shapeInto(state, completions(unwrap(state.cur), step[1], step[2]), last);
}
function rootChildren(state, step, last) {
  shapeInto(state, childrenPage(ROOT, step[1]), last);
}
function rootChild(state, step) {
  state.cur = childOf(ROOT, step[1]);
  state.receiver = undefined;
}
function rootComplete(state, step, last) {
  shapeInto(state, completions(ROOT, step[1], step[2]), last);
}
function shapeInto(state, r, last) {
  state.cur = r;
  if (last) state.formatted = r;
  state.receiver = undefined;
}

// On the root, names are read from the global scope, where session code declares them (sec. 8).

function rootGetattr(state, step) {
  const name = step[1];
  if (name in globalThis) state.cur = globalThis[name];
  else {
    // A top-level let, const or class of a session run lives outside globalThis.
    const found = typeof name === 'string' ? sessionLookup(name) : { found: false };
    if (!found.found) throw new ReferenceError(`${String(name)} is not defined`);
    state.cur = found.value;
  }
  state.receiver = undefined;
}
function rootList(state, step, last) {
  const r = listObjects();
  state.cur = r;
  if (last) state.formatted = r;
}
// The namespace listing sends plain data by value only while it is small: at most LISTING_ITEMS items in
// all and no string or bytes over LISTING_BYTES; bigger values go as references, read on demand, so a
// 3,000,000-item array costs as little to list as a short one.
const LISTING_ITEMS = 1000;
const LISTING_BYTES = 64 * 1024;

function isSmallPlain(v) {
  let budget = LISTING_ITEMS;
  const small = (x, d) => {
    if (typeof x === 'string') return x.length <= LISTING_BYTES;
    if (typeof x !== 'object' || x === null) return isPlainData(x, d);
    if (d > 100) return false;
    const p = Object.getPrototypeOf(x);
    if (p === Buffer.prototype || p === Uint8Array.prototype) return x.length <= LISTING_BYTES;
    const items = p === Array.prototype || p === Tuple.prototype ? x : p === Object.prototype || p === null ? Object.values(x) : undefined;
    if (p === Map.prototype) {
      budget -= x.size;
      if (budget < 0) return false;
      for (const [k, y] of x) if (!small(k, d + 1) || !small(y, d + 1)) return false;
      return true;
    }
    if (items === undefined) return false;
    budget -= items.length;
    if (budget < 0) return false;
    for (let i = 0; i < items.length; i++) if (!small(items[i], d + 1)) return false;
    return true;
  };
  return small(v, 0);
}

function rootNamespace(state, step, last) {
  const r = {};
  for (const k of sessionNames()) {
    const v = sessionLookup(k).value;
    r[k] = isSmallPlain(v) ? v : new RefMarker(v);
  }
  state.cur = r;
  if (last) state.formatted = r;
}
function rootStatementAt(state, step) {
  state.cur = statementAt(String(step[1]), Number(step[2]));
}

function replyError(reqId, e) {
  try {
    sendMsg(REPLY_ERROR, reqId, toException(e));
  } catch (e2) {
    try {
      sendMsg(REPLY_ERROR, reqId, new RemoteError('Error', String(e2 && e2.message), ''));
    } catch (e3) {
      internalError(e3);
    }
  }
}

function getItem(o, key) {
  if (o instanceof Map || util.types.isMap(o)) return o.get(key);
  if (typeof key === 'number' && key < 0 && Number.isInteger(key) && (Array.isArray(o) || typeof o === 'string' || ArrayBuffer.isView(o)))
    return o.at(key);
  if (o !== null && typeof o === 'object' && typeof o.get === 'function' && !(key in Object(o))) {
    const p = Object.getPrototypeOf(o);
    if (p && (p.constructor === WeakMap || p.constructor === globalThis.URLSearchParams || p.constructor === globalThis.Headers))
      return o.get(key);
  }
  return o[key];
}
function setItem(o, key, value) {
  if (o instanceof Map || util.types.isMap(o) || o instanceof WeakMap) {
    o.set(key, value);
    return;
  }
  o[key] = value;
}
function delItem(o, key) {
  if (o instanceof Map || util.types.isMap(o) || o instanceof WeakMap || o instanceof Set) {
    o.delete(key);
    return;
  }
  if (Array.isArray(o) && typeof key === 'number' && Number.isInteger(key)) {
    o.splice(key < 0 ? o.length + key : key, 1);
    return;
  }
  delete o[key];
}

function callStep(cur, receiver, args, kwargs) {
  args = Array.isArray(args) ? args.slice() : [];
  if (kwargs && typeof kwargs === 'object' && Object.keys(kwargs).length) args.push(kwargs);
  let fn = cur,
    self = receiver;
  if (cur instanceof Bound) {
    fn = cur.fn;
    self = cur.self;
  }
  if (typeof fn !== 'function') throw new TypeError(`${typeNameOf(fn)} is not callable`);
  if (isClass(fn)) return Reflect.construct(fn, args);
  try {
    return Reflect.apply(fn, self, args);
  } catch (e) {
    if (e instanceof TypeError && /requires 'new'|without 'new'|is not a constructor call/.test(e.message))
      return Reflect.construct(fn, args);
    throw e;
  }
}

function equals(a, b) {
  a = unwrap(a);
  b = unwrap(b);
  if (a === b || Object.is(a, b)) return true;
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    try {
      return BigInt(a) === BigInt(b);
    } catch {
      return false;
    }
  }
  if (isPlainData(a, 0) && isPlainData(b, 0)) return util.isDeepStrictEqual(a, b);
  return false;
}

function getIterator(o) {
  if (o != null) {
    if (typeof o[Symbol.asyncIterator] === 'function') return o[Symbol.asyncIterator]();
    if (typeof o[Symbol.iterator] === 'function') return o[Symbol.iterator]();
    if (typeof o.next === 'function') return o;
  }
  throw new TypeError(`${typeNameOf(o)} is not iterable`);
}

/** An iterator's error raised after items of the same batch: kept for the next batch, so no item is lost. */
const pendingIterErrors = new WeakMap();

async function pull(it, n) {
  const items = [];
  let done = false;
  if (pendingIterErrors.has(it)) {
    const e = pendingIterErrors.get(it);
    pendingIterErrors.delete(it);
    throw e;
  }
  while (items.length < n) {
    let r;
    try {
      r = it.next();
      if (isThenable(r)) r = await r;
    } catch (e) {
      if (items.length === 0 || !it || typeof it !== 'object') throw e;
      pendingIterErrors.set(it, e);
      break;
    }
    if (!r || r.done) {
      done = true;
      break;
    }
    items.push(r.value);
  }
  return [items, done];
}

function attrNames(o) {
  const names = new Set();
  let p = o;
  let depth = 0;
  while (p !== null && p !== undefined && depth++ < 50) {
    if (p === Object.prototype || p === Function.prototype) break;
    let own;
    try {
      own = Object.getOwnPropertyNames(p);
    } catch {
      break;
    }
    for (const n of own) {
      if (typeof o === 'function' && (n === 'arguments' || n === 'caller')) continue;
      names.add(n);
    }
    try {
      p = Object.getPrototypeOf(p);
    } catch {
      break;
    }
  }
  const pub = [],
    priv = [];
  for (const n of names) (n.startsWith('_') ? priv : pub).push(n);
  pub.sort();
  priv.sort();
  return pub.concat(priv);
}

/** The length of strings, arrays, typed arrays and array-likes, the size of maps and sets; else undefined. */
function lengthOf(v) {
  if (typeof v === 'string' || Array.isArray(v) || ArrayBuffer.isView(v)) return v.length;
  if (v instanceof Map || v instanceof Set || util.types.isMap(v) || util.types.isSet(v)) return v.size;
  if (v && typeof v === 'object' && typeof v.length === 'number') return v.length;
  return undefined;
}

function inspectObject(o, offset, limit) {
  const target = unwrap(o);
  const entry = exportedBy.get(o);
  const boxed = target !== null && target !== undefined ? Object(target) : target;
  const names = boxed === null || boxed === undefined ? [] : attrNames(boxed);
  const attrs = [];
  for (const n of names.slice(Math.max(0, offset), Math.max(0, offset) + Math.max(0, limit))) {
    let tn, r;
    try {
      const v = boxed[n];
      tn = typeNameOf(v);
      r = safeInspect(v, 80, 0);
    } catch (e) {
      tn = 'error';
      r = `<${e && e.message}>`;
    }
    attrs.push([n, tn, r]);
  }
  const res = { id: entry ? entry.id : null, type: typeNameOf(o), repr: safeInspect(o, 200, 1) };
  let len;
  try {
    len = lengthOf(target);
  } catch {
    /* ignore */
  }
  if (len !== undefined) res.len = len;
  res.callable = typeof target === 'function';
  res.attrs = attrs;
  res.total = names.length;
  return res;
}

function listObjects() {
  const out = [];
  for (const e of exported.values()) out.push([e.id, e.typeName, safeInspect(e.obj, 200, 0)]);
  return out;
}

// statement_at: [start, end] of the top-level statement holding a 1-based line (best effort, no parser:
// V8 checks candidate line ranges for syntax).

const AsyncFunction = async function () {}.constructor;
function parses(src) {
  try {
    new AsyncFunction(src);
    return true;
  } catch (e) {
    return !(e instanceof SyntaxError);
  }
}
function statementAt(source, line) {
  const lines = source.split(/\r\n|\n|\r/);
  const n = lines.length;
  line = Math.min(Math.max(1, Math.trunc(line) || 1), n);
  const blank = (i) => /^\s*(\/\/.*)?$/.test(lines[i - 1]);
  if (blank(line)) return [line, line];
  const chunk = (a, b) => lines.slice(a - 1, b).join('\n');
  const lo = Math.max(1, line - 400),
    hi = Math.min(n, line + 400);
  for (let s = line; s >= lo; s--) {
    if (blank(s)) continue;
    if (s > 1 && !parses(chunk(1, s - 1))) continue;
    for (let e = line; e <= hi; e++) {
      if (parses(chunk(s, e))) {
        while (e > line && blank(e)) e--;
        return [s, e];
      }
    }
  }
  return [line, line];
}
