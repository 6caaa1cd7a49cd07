// Rich display (DISPLAY, sec. 5, protocol version 2): `display(value)` in sessions (and gateway.display in
// any task) sends a MIME bundle; a session run's last value goes as a rich result when it has a rich form.
// JS adaptation of Jupyter's display protocol: a value's rich forms are a MIME bundle given as is (an object
// whose keys are all MIME types), a Buffer holding a PNG, JPEG or SVG image, a string with its MIME
// type (`display('<b>hi</b>', 'text/html')`), or the same `_repr_*_` methods a Python object would have.

const REPR_METHODS = [
  ['_repr_png_', 'image/png'],
  ['_repr_jpeg_', 'image/jpeg'],
  ['_repr_svg_', 'image/svg+xml'],
  ['_repr_html_', 'text/html'],
  ['_repr_markdown_', 'text/markdown'],
  ['_repr_latex_', 'text/latex'],
  ['_repr_json_', 'application/json'],
];

/** display(value[, mime | {mime, metadata}]): shows value by the richest form it has; returns undefined. */
function display(value, options) {
  const opts = typeof options === 'string' ? { mime: options } : options || {};
  const bundle = mimeBundle(value, opts.mime);
  if (opts.metadata && typeof opts.metadata === 'object') Object.assign(bundle.metadata, opts.metadata);
  sendDisplay(bundle, false);
}

/** The last value of a session run in its rich form, when it has one beyond text/plain. */
function showResult(value) {
  if (protocolVersion < 2) return;
  const bundle = mimeBundle(value);
  if (Object.keys(bundle.data).length > 1) sendDisplay(bundle, true);
}

function sendDisplay(bundle, result) {
  if (protocolVersion < 2) {
    // A version-1 host has no DISPLAY: it gets the text.
    if (!result) emitOutput(STDOUT, `${bundle.data['text/plain']}\n`);
    return;
  }
  const payload = { data: bundle.data };
  if (Object.keys(bundle.metadata).length > 0) payload.metadata = bundle.metadata;
  if (result) payload.result = true;
  sendMsg(DISPLAY, currentChannelId(), payload);
}

function mimeBundle(value, mime) {
  const data = {};
  const metadata = {};
  if (typeof mime === 'string' && mime.includes('/')) {
    data[mime] = typeof value === 'string' || value instanceof Uint8Array ? value : String(value);
  } else if (isMimeBundle(value)) {
    Object.assign(data, value);
  } else if (value instanceof Uint8Array) {
    const sniffed = imageType(value);
    if (sniffed) data[sniffed] = sniffed === 'image/svg+xml' ? Buffer.from(value).toString('utf8') : value;
  } else if (value && (typeof value === 'object' || typeof value === 'function')) {
    fromReprMethods(value, data, metadata);
  }
  for (const key of Object.keys(data)) {
    const v = data[key];
    if (key === 'image/png' || key === 'image/jpeg') {
      if (typeof v === 'string') data[key] = Buffer.from(v, 'base64');
      else if (!(v instanceof Uint8Array)) delete data[key];
    } else if (key !== 'application/json' && !key.endsWith('+json') && typeof v !== 'string') {
      data[key] = v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v);
    }
  }
  if (typeof data['text/plain'] !== 'string') data['text/plain'] = plainText(value, data);
  return { data, metadata };
}

function plainText(value, data) {
  if (value instanceof Uint8Array && (data['image/png'] || data['image/jpeg'])) return `<${Object.keys(data)[0]}, ${value.length} bytes>`;
  if (typeof value === 'string') return value;
  return safeInspect(value, 256 * 1024, 4);
}

function isMimeBundle(value) {
  if (!value || typeof value !== 'object' || Array.isArray(value) || !isPlainProto(Object.getPrototypeOf(value))) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => /^[a-z]+\/[\w.+-]+$/i.test(k));
}

function imageType(bytes) {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  const head = Buffer.from(bytes.subarray(0, 256)).toString('utf8').trimStart();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'image/svg+xml';
  return undefined;
}

function fromReprMethods(value, data, metadata) {
  const call = (name) => {
    let fn;
    try {
      fn = value[name];
    } catch {
      return undefined;
    }
    if (typeof fn !== 'function') return undefined;
    try {
      return fn.call(value);
    } catch (e) {
      sendLog(30, `${name} of ${describeType(value)} failed: ${e && e.message}`, { logger: 'remote-exec.display' });
      return undefined;
    }
  };
  const bundle = call('_repr_mimebundle_');
  if (Array.isArray(bundle) && bundle.length === 2) {
    if (isMimeBundle(bundle[0])) Object.assign(data, bundle[0]);
    if (bundle[1] && typeof bundle[1] === 'object') Object.assign(metadata, bundle[1]);
  } else if (isMimeBundle(bundle)) Object.assign(data, bundle);
  for (const [name, mime] of REPR_METHODS) {
    if (mime in data) continue;
    let got = call(name);
    if (Array.isArray(got) && got.length === 2 && got[1] && typeof got[1] === 'object' && !Array.isArray(got[1])) {
      metadata[mime] = got[1];
      got = got[0];
    }
    if (got !== undefined && got !== null) data[mime] = got;
  }
}
