// Channels: execnet's channel as remote code sees it, the table of channels, and their messages.

const channels = new Map(); // open channels by id
const closedIds = new Set(); // recently closed ids: late messages for them are dropped
let nextChannelId = 0; // agent channels are even
const als = new AsyncLocalStorage();
const tasks = new Map(); // channel id -> task

// Windows (sec. 6.4): on when the host's HELLO announces its own. `receiveWindow` is this side's per
// channel, `sendWindow` the host's (this side's credit on a new channel); `frameLength` is the body length
// of the frame being dispatched, which the window counts.
const DEFAULT_WINDOW = [65536, 64 * 1024 * 1024];
let windows = false;
let receiveWindow = DEFAULT_WINDOW;
let sendWindow = null;
let frameLength = 0;
/**
 * A first-in first-out list whose shift costs O(1): Array.prototype.shift copies the rest of a large array
 * on every call, so 100k sends held back for credit cost seconds to release one by one.
 */
class Fifo {
  constructor() {
    this._items = [];
    this._head = 0;
  }
  get length() {
    return this._items.length - this._head;
  }
  push(x) {
    this._items.push(x);
  }
  peek() {
    return this._items[this._head];
  }
  shift() {
    if (this._head >= this._items.length) return undefined;
    const x = this._items[this._head];
    this._items[this._head++] = undefined;
    if (this._head >= 1024 && this._head * 2 >= this._items.length) {
      this._items = this._items.slice(this._head);
      this._head = 0;
    }
    return x;
  }
  /** Empties it, returning what it held in order. */
  drain() {
    const rest = this._items.slice(this._head);
    this._items = [];
    this._head = 0;
    return rest;
  }
}

/**
 * A send held back for credit, and the promise send() returned for it: a thenable whose Promise is made
 * only when someone asks (then, catch, finally, await), so a flood of sends nobody awaits costs no
 * Promise each. An outcome nobody asked for is not lost: a failure is logged as an unhandled rejection
 * would be.
 */
class HeldSend {
  constructor(item) {
    this.item = item;
    this._outcome = null; // null while held; SENT, or a rejected promise
    this._error = undefined;
    this._promise = null;
    this._settle = null;
  }
  _sent() {
    this.item = undefined;
    this._outcome = SENT;
    if (this._settle) this._settle[0]();
  }
  _failed(error, quiet) {
    this.item = undefined;
    this._error = error;
    this._outcome = false;
    if (this._settle) this._settle[1](error);
    else if (!quiet) logException(error, 'a send held for credit failed');
  }
  _asPromise() {
    if (this._promise) return this._promise;
    if (this._outcome === SENT) this._promise = SENT;
    else if (this._outcome === false) this._promise = Promise.reject(this._error);
    else this._promise = new Promise((resolve, reject) => (this._settle = [resolve, reject]));
    return this._promise;
  }
  then(onSent, onFailed) {
    return this._asPromise().then(onSent, onFailed);
  }
  catch(onFailed) {
    return this._asPromise().catch(onFailed);
  }
  finally(onSettled) {
    return this._asPromise().finally(onSettled);
  }
}

const holding = new Map(); // id -> channel with sends held back for credit (it may be closed already)
const SENT = Promise.resolve();

function setWindows(hello) {
  const mine = parseWindow(hello.agentWindow);
  const theirs = parseWindow(hello.window);
  if (protocolVersion < 2 || !theirs) return;
  windows = true;
  sendWindow = theirs;
  if (mine && mine[0] > 0 && mine[1] > 0) receiveWindow = mine;
}

function parseWindow(v) {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => Number.isSafeInteger(n) && n >= 0)) return null;
  return [v[0], v[1]];
}

function rememberClosed(id) {
  closedIds.add(id);
  if (closedIds.size > 4096) closedIds.delete(closedIds.values().next().value);
}

class Channel {
  constructor(id) {
    this.id = id;
    this._items = [];
    this._head = 0;
    this._waiters = [];
    this._closed = false; // no more sending: we closed, or the remote closed
    this._recvDone = false; // no more items will arrive
    this._error = null; // the remote error, after CLOSE_ERROR
    this._callback = null;
    this._hasEndmarker = false;
    this._endmarker = undefined;
    this._closeWaiters = [];
    this.interrupted = false;
    this._sizes = []; // body lengths of the queued items, for the window
    this._window = receiveWindow;
    this._ungranted = [0, 0];
    this._credit = sendWindow ? [sendWindow[0], sendWindow[1]] : null;
    this._held = new Fifo(); // HeldSend, or {close: CLOSE/CLOSE_ERROR, payload} behind them
  }
  get gateway() {
    return gateway;
  }
  toString() {
    return `<Channel id=${this.id}${this._closed ? ' closed' : ''}>`;
  }
  [util.inspect.custom]() {
    return this.toString();
  }

  /**
   * Sends one item; throws if the channel is closed or the item cannot be encoded. The promise resolves
   * once the item is sent: at once while the window has credit, else when the host's user has consumed
   * enough (sec. 6.4; await it when flooding). An item held back that cannot go rejects it (and is
   * logged if nobody awaits it); items dropped because the host closed the channel are counted in one log
   * record.
   */
  send(item) {
    if (this._closed) throw new ChannelClosedError(`cannot send to closed channel ${this.id}`);
    const credit = this._credit;
    if (!credit || (this._held.length === 0 && credit[0] > 0 && credit[1] > 0)) {
      const n = sendMsg(DATA, this.id, item);
      if (credit) {
        credit[0] -= 1;
        credit[1] -= n;
      }
      return SENT;
    }
    const held = new HeldSend(item);
    if (this._held.length === 0) holding.set(this.id, this);
    this._held.push(held);
    return held;
  }

  /** How many items and bytes the host may send on this channel before this side's user consumes them. */
  setWindow(items, bytes) {
    if (!Number.isSafeInteger(items) || !Number.isSafeInteger(bytes) || items < 1 || bytes < 1)
      throw new RangeError('a window is a positive number of items and of bytes');
    this._ungranted[0] += items - this._window[0];
    this._ungranted[1] += bytes - this._window[1];
    this._window = [items, bytes];
    this._consumed(0, 0);
  }

  /** The user took items: they are granted back once half of the window is consumed (sec. 6.4). */
  _consumed(items, bytes) {
    if (!windows) return;
    const u = this._ungranted;
    u[0] += items;
    u[1] += bytes;
    if (u[0] * 2 < this._window[0] && u[1] * 2 < this._window[1]) return;
    const grant = [Math.max(0, u[0]), Math.max(0, u[1])];
    if (grant[0] === 0 && grant[1] === 0) return;
    u[0] -= grant[0];
    u[1] -= grant[1];
    if (!this._recvDone) sendMsg(CREDIT, this.id, grant);
  }

  /** Credit came: sends what it allows of the items held back, and the close behind them. */
  _release() {
    const credit = this._credit;
    const held = this._held;
    while (held.length && (held.peek().close !== undefined || (credit[0] > 0 && credit[1] > 0))) {
      const h = held.shift();
      if (h.close !== undefined) {
        sendMsg(h.close, this.id, h.payload);
        continue;
      }
      let n;
      try {
        n = sendMsg(DATA, this.id, h.item);
      } catch (e) {
        h._failed(e, false);
        continue;
      }
      credit[0] -= 1;
      credit[1] -= n;
      h._sent();
    }
    if (!held.length) holding.delete(this.id);
  }

  /** The host closed the channel: what was held back for it can no longer go. */
  _dropHeld() {
    const held = this._held.drain();
    holding.delete(this.id);
    let dropped = 0;
    for (const h of held) {
      if (h.close !== undefined) continue;
      dropped++;
      h._failed(new ChannelClosedError(`channel ${this.id} was closed before the item could be sent`), true);
    }
    if (dropped) sendLog(30, `channel ${this.id} was closed by the host with ${dropped} sent item(s) still held for credit: dropped`);
  }

  /** The next item; rejects with TimeoutError, the remote error, or ChannelClosedError at the end. */
  receive(timeoutMs) {
    if (this._head < this._items.length) return Promise.resolve(this._take());
    if (this._recvDone) return Promise.reject(this._endError());
    if (this._callback) return Promise.reject(new Error(`channel ${this.id} has a callback; receive() is not available`));
    return new Promise((resolve, reject) => {
      const w = { resolve, reject, timer: null };
      if (timeoutMs != null && timeoutMs !== Infinity) {
        w.timer = setTimeout(() => {
          const i = this._waiters.indexOf(w);
          if (i >= 0) this._waiters.splice(i, 1);
          reject(new TimeoutError(`no item on channel ${this.id} within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this._waiters.push(w);
    });
  }

  _take() {
    const v = this._items[this._head];
    const n = windows ? this._sizes[this._head] : 0;
    this._items[this._head++] = undefined;
    if (this._head === this._items.length) {
      this._items.length = 0;
      this._sizes.length = 0;
      this._head = 0;
    } else if (this._head > 1024 && this._head * 2 > this._items.length) {
      this._items = this._items.slice(this._head);
      if (windows) this._sizes = this._sizes.slice(this._head);
      this._head = 0;
    }
    this._consumed(1, n);
    return v;
  }

  _endError() {
    if (this._error) return this._error;
    return new ChannelClosedError(`channel ${this.id} is closed`);
  }

  /** Closes the channel: CLOSE, or CLOSE_ERROR when `error` is given (an Error or a string). */
  close(error) {
    if (this._closed) return;
    const [type, payload] =
      error === undefined || error === null ? [CLOSE, null] : [CLOSE_ERROR, typeof error === 'string' ? error : toException(error)];
    // The close goes after the items still waiting for credit, as the code sent them.
    if (this._held.length) this._held.push({ close: type, payload });
    else sendMsg(type, this.id, payload);
    this._localClosed();
  }
  isClosed() {
    return this._closed;
  }

  /** Calls fn(item) for every item (queued ones first); fn(endmarker) at the end if one was given. */
  setCallback(fn, endmarker) {
    if (typeof fn !== 'function') throw new TypeError('setCallback needs a function');
    if (this._waiters.length) throw new Error(`channel ${this.id} has a pending receive()`);
    const bound = AsyncResource.bind(fn);
    this._callback = bound;
    this._hasEndmarker = arguments.length >= 2;
    this._endmarker = endmarker;
    while (this._head < this._items.length) this._runCallback(this._take());
    if (this._recvDone) this._callEnd();
  }

  /** Resolves when the channel is closed (either side); rejects with the remote error, or on timeout. */
  waitClose(timeoutMs) {
    if (this._closed || (this._recvDone && this._error)) return this._error ? Promise.reject(this._error) : Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { resolve, reject, timer: null };
      if (timeoutMs != null && timeoutMs !== Infinity) {
        w.timer = setTimeout(() => {
          const i = this._closeWaiters.indexOf(w);
          if (i >= 0) this._closeWaiters.splice(i, 1);
          reject(new TimeoutError(`channel ${this.id} not closed within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this._closeWaiters.push(w);
    });
  }

  async *[Symbol.asyncIterator]() {
    for (;;) {
      let v;
      try {
        v = await this.receive();
      } catch (e) {
        if (e instanceof ChannelClosedError) return;
        throw e;
      }
      yield v;
    }
  }

  _runCallback(item) {
    try {
      this._callback(item);
    } catch (e) {
      logException(e, `callback of channel ${this.id} raised`);
    }
  }
  _callEnd() {
    if (this._callback && this._hasEndmarker) {
      this._hasEndmarker = false;
      this._runCallback(this._endmarker);
    }
  }

  _deliver(item, n) {
    if (this._recvDone) return;
    if (this._callback) {
      this._runCallback(item);
      this._consumed(1, n);
      return;
    }
    if (this._waiters.length) {
      const w = this._waiters.shift();
      if (w.timer) clearTimeout(w.timer);
      w.resolve(item);
      this._consumed(1, n);
      return;
    }
    if (windows) this._sizes[this._items.length] = n;
    this._items.push(item);
  }
  _endReceiving() {
    if (this._recvDone) return;
    this._recvDone = true;
    const ws = this._waiters;
    this._waiters = [];
    for (const w of ws) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(this._endError());
    }
    this._callEnd();
  }
  _settleClose() {
    const ws = this._closeWaiters;
    this._closeWaiters = [];
    for (const w of ws) {
      if (w.timer) clearTimeout(w.timer);
      if (this._error) w.reject(this._error);
      else w.resolve();
    }
    if (channels.get(this.id) === this) {
      channels.delete(this.id);
      rememberClosed(this.id);
    }
  }
  _remoteClosed(error) {
    if (error != null) this._error = error instanceof Error ? error : new RemoteError('Error', String(error), '');
    this._closed = true;
    this._endReceiving();
    this._settleClose();
  }
  _localClosed() {
    this._closed = true;
    this._endReceiving();
    this._settleClose();
  }
  _interrupt() {
    this.interrupted = true;
    if (this._waiters.length) {
      const ws = this._waiters;
      this._waiters = [];
      for (const w of ws) {
        if (w.timer) clearTimeout(w.timer);
        w.reject(new InterruptError(`task on channel ${this.id} interrupted`));
      }
      return;
    }
    if (!this._closed) {
      try {
        this.close(new InterruptError(`task on channel ${this.id} interrupted`));
      } catch (e) {
        internalError(e);
      }
    }
  }
}

function channelFor(id, mustBeNew) {
  let ch = channels.get(id);
  if (ch) return ch;
  ch = new Channel(id);
  if (closedIds.has(id) && !mustBeNew) {
    ch._closed = true;
    ch._recvDone = true;
    return ch;
  }
  channels.set(id, ch);
  return ch;
}

function newChannel() {
  nextChannelId += 2;
  return channelFor(nextChannelId, true);
}

function onData(id, payload) {
  const ch = channels.get(id) || (closedIds.has(id) ? null : channelFor(id));
  if (ch) ch._deliver(payload, frameLength);
}

function onCredit(id, payload) {
  const grant = parseWindow(payload);
  if (!grant) throw new TypeError('CREDIT needs [items, bytes]');
  // A channel closed here with sends still held is found in `holding`; one this side no longer knows is ignored.
  const ch = holding.get(id) || channels.get(id);
  if (!ch || !ch._credit) return;
  ch._credit[0] += grant[0];
  ch._credit[1] += grant[1];
  if (ch._held.length) ch._release();
}

function onClose(id) {
  holding.get(id)?._dropHeld();
  const ch = channels.get(id);
  if (ch && !ch._closed) ch._remoteClosed(null);
}

function onCloseError(id, payload) {
  holding.get(id)?._dropHeld();
  const ch = channels.get(id);
  if (ch && !ch._closed) ch._remoteClosed(payload instanceof Error ? payload : new RemoteError('Error', String(payload), ''));
}

function onLastMessage(id) {
  const ch = channels.get(id);
  if (ch) ch._endReceiving();
}
