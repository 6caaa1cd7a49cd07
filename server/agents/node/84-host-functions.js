// Host functions (ext 2) and CALLBACK

let nextRequestId = 0;
const pendingCallbacks = new Map();
const hostFns = new Map();

function hostFunction(id) {
  let f = hostFns.get(id);
  if (f) return f;
  f = function hostFunction(...args) {
    const req = ++nextRequestId;
    return new Promise((resolve, reject) => {
      pendingCallbacks.set(req, { resolve, reject });
      try {
        sendMsg(CALLBACK, req, [id, args, {}], MODE_REFS);
      } catch (e) {
        pendingCallbacks.delete(req);
        reject(e);
      }
    });
  };
  Object.defineProperty(f, 'name', { value: `hostFunction${id}` });
  f[HOSTFN] = id;
  hostFns.set(id, f);
  return f;
}

/** The pending CALLBACK a REPLY or REPLY_ERROR answers; a reply to no request of ours is reported. */
function takePendingCallback(id) {
  const p = pendingCallbacks.get(id);
  if (!p) {
    sendMsg(ERROR, 0, `reply to unknown request ${id}`);
    return undefined;
  }
  pendingCallbacks.delete(id);
  return p;
}

function onReply(id, payload) {
  const p = takePendingCallback(id);
  if (p) p.resolve(payload);
}

function onReplyError(id, payload) {
  const p = takePendingCallback(id);
  if (p) p.reject(payload instanceof Error ? payload : new RemoteError('Error', String(payload), ''));
}
