// Channels: execnet's channel as remote code sees it, the table of channels, and their messages.

const channels = new Map(); // open channels by id
const closedIds = new Set(); // recently closed ids: late messages for them are dropped
let nextChannelId = 0; // agent channels are even
const als = new AsyncLocalStorage();
const tasks = new Map(); // channel id -> task

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

  /** Sends one item; throws if the channel is closed or the item cannot be encoded. */
  send(item) {
    if (this._closed) throw new ChannelClosedError(`cannot send to closed channel ${this.id}`);
    sendMsg(DATA, this.id, item);
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
    this._items[this._head++] = undefined;
    if (this._head === this._items.length) {
      this._items.length = 0;
      this._head = 0;
    } else if (this._head > 1024 && this._head * 2 > this._items.length) {
      this._items = this._items.slice(this._head);
      this._head = 0;
    }
    return v;
  }

  _endError() {
    if (this._error) return this._error;
    return new ChannelClosedError(`channel ${this.id} is closed`);
  }

  /** Closes the channel: CLOSE, or CLOSE_ERROR when `error` is given (an Error or a string). */
  close(error) {
    if (this._closed) return;
    if (error === undefined || error === null) sendMsg(CLOSE, this.id, null);
    else sendMsg(CLOSE_ERROR, this.id, typeof error === 'string' ? error : toException(error));
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

  _deliver(item) {
    if (this._recvDone) return;
    if (this._callback) {
      this._runCallback(item);
      return;
    }
    if (this._waiters.length) {
      const w = this._waiters.shift();
      if (w.timer) clearTimeout(w.timer);
      w.resolve(item);
      return;
    }
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
  if (ch) ch._deliver(payload);
}

function onClose(id) {
  const ch = channels.get(id);
  if (ch && !ch._closed) ch._remoteClosed(null);
}

function onCloseError(id, payload) {
  const ch = channels.get(id);
  if (ch && !ch._closed) ch._remoteClosed(payload instanceof Error ? payload : new RemoteError('Error', String(payload), ''));
}

function onLastMessage(id) {
  const ch = channels.get(id);
  if (ch) ch._endReceiving();
}
