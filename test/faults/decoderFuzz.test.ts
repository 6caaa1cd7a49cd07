import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { Channel, FrameDecoder, frameHeader, MessageType, RemoteError, Tuple, ValueCodec } from '../../protocol';
import { assembleAgent } from '../../server/agents/assemble';
import { peakRss } from '../helpers/processes';

// Seeded fuzz of the three decoders that read what the other side wrote: the host's (frames and values)
// and both agents' (their own msgpack decoders and message checks). Each case is a mutation of a valid
// message; the property is that a decoder returns a value or rejects the body with its clean error, in
// bounded memory, and never dies, hangs or allocates what a length field claims. FUZZ_SEED=N replays a run.

const CASES = 20000;
const SEED = Number(process.env.FUZZ_SEED) || Math.floor(Math.random() * 2 ** 31);
const MEMORY_BOUND = 256 * 1024 * 1024;
const seedNote = `(seed ${SEED}: rerun with FUZZ_SEED=${SEED})`;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Valid messages of every shape the protocol carries, encoded by the host's codec. */
function corpus(): Uint8Array[] {
  const codec = new ValueCodec({ channelId: (v) => (v instanceof Channel ? v.id : undefined) });
  const values: unknown[] = [
    null,
    true,
    -1,
    2 ** 40,
    -(2n ** 70n),
    1.5,
    'text ✓',
    new Uint8Array([0, 1, 2, 255]),
    [1, [2, [3, [4]]]],
    { a: 1, b: [null, 'x'], c: { d: new Uint8Array(40) } },
    new Map<unknown, unknown>([
      [1, 'one'],
      [[2], 'two'],
    ]),
    Tuple.of<unknown>(1, 'a', null),
    new RemoteError('ValueError', 'boom', 'Traceback ...'),
    'x'.repeat(300),
    Array.from({ length: 40 }, (_, i) => i * 1000),
  ];
  const out: Uint8Array[] = [];
  for (const v of values) {
    out.push(codec.encode([MessageType.DATA, 3, v]));
    out.push(
      codec.encode([
        MessageType.OBJECT,
        7,
        [
          null,
          [
            ['getattr', 'x'],
            ['call', [v], { k: v }],
          ],
          'auto',
        ],
      ]),
    );
  }
  out.push(codec.encode([MessageType.HELLO, 0, { protocol: 2, maxFrame: 1024, window: [4, 4096] }]));
  out.push(codec.encode([MessageType.CREDIT, 5, [10, 1000]]));
  return out;
}

/** Lengths and headers a decoder must not believe: counts and sizes up to 2^32 - 1 in a few bytes. */
const LIES = [
  [0xdd, 0xff, 0xff, 0xff, 0xff], // array32 of 4G items
  [0xdf, 0x7f, 0xff, 0xff, 0xff], // map32 of 2G entries
  [0xc6, 0xff, 0xff, 0xff, 0xf0], // bin32 of 4 GiB
  [0xdb, 0xff, 0xff, 0xff, 0xff], // str32 of 4 GiB
  [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01], // ext32 of 4 GiB
  [0xc7, 0xff, 0x05], // ext8 TUPLE of 255 bytes
];

/** CASES mutations of the corpus: flipped and replaced bytes, cuts, insertions, lying lengths, splices, deep nesting, noise. */
function cases(seed: number): Buffer[] {
  const rand = prng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
  const base = corpus();
  const out: Buffer[] = [];
  for (let i = 0; i < CASES; i++) {
    let b = Buffer.from(pick(base));
    const kind = i % 8;
    const at = () => Math.floor(rand() * (b.length + 1));
    if (kind === 0) for (let k = 0; k < 1 + rand() * 4; k++) b[Math.min(at(), b.length - 1)] ^= 1 << Math.floor(rand() * 8);
    else if (kind === 1) for (let k = 0; k < 1 + rand() * 4; k++) b[Math.min(at(), b.length - 1)] = Math.floor(rand() * 256);
    else if (kind === 2) b = b.subarray(0, at());
    else if (kind === 3) {
      const p = at();
      b = Buffer.concat([b.subarray(0, p), Buffer.from(pick(LIES)), b.subarray(p)]);
    } else if (kind === 4) {
      const p = at();
      b = Buffer.concat([
        b.subarray(0, p),
        Buffer.from(Array.from({ length: 1 + rand() * 8 }, () => Math.floor(rand() * 256))),
        b.subarray(p),
      ]);
    } else if (kind === 5) {
      const other = Buffer.from(pick(base));
      b = Buffer.concat([b.subarray(0, at()), other.subarray(Math.floor(rand() * other.length))]);
    } else if (kind === 6 && i % 64 === 6) {
      // Nesting deeper than any stack: arrays of one array inside each other.
      const depth = 1000 + Math.floor(rand() * 30000);
      b = Buffer.concat([Buffer.from([0x93, 2, 3]), Buffer.alloc(depth, 0x91), Buffer.from([0xc0])]);
    } else if (kind === 6) {
      // A valid message with one value's length field made to lie.
      const p = at();
      const lie = Buffer.from(pick(LIES));
      b = Buffer.concat([b.subarray(0, p), lie, b.subarray(Math.min(b.length, p + lie.length))]);
    } else b = Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
    out.push(b);
  }
  return out;
}

interface Outcome {
  decoded: number;
  rejected: number;
  /** Cases that escaped the decoder's clean error: index and what was thrown. */
  escaped: [number, string][];
  peakRss: number;
}

/** Runs `driver` (a program reading length-prefixed bodies on stdin, printing an Outcome) on the cases. */
function runDriver(argv: string[], env: NodeJS.ProcessEnv, bodies: Buffer[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      try {
        resolve(JSON.parse(stdout) as Outcome);
      } catch {
        reject(
          new Error(`the decoder's process ended (code ${code}, signal ${signal}) without its report ${seedNote}:\n${stderr.slice(-2000)}`),
        );
      }
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(Buffer.concat(bodies.flatMap((b) => [frameHeader(b.length), b])));
  });
}

function checkOutcome(outcome: Outcome, what: string): void {
  assert.equal(outcome.decoded + outcome.rejected + outcome.escaped.length, CASES, `${what}: every case has an outcome ${seedNote}`);
  assert.deepEqual(outcome.escaped.slice(0, 5), [], `${what}: a case escaped the decoder's own error ${seedNote}`);
  assert.ok(outcome.peakRss < MEMORY_BOUND, `${what}: peak RSS ${outcome.peakRss} bytes ${seedNote}`);
  // Mutations must mostly be caught, and some still decode: a driver that rejects or accepts everything proves nothing.
  assert.ok(outcome.rejected > CASES / 4 && outcome.decoded > CASES / 20, `${what}: ${JSON.stringify(outcome)} ${seedNote}`);
}

const PYTHON_DRIVER = `
import json, os, sys
src = open(sys.argv[1], encoding='utf-8').read()
ns = {'__name__': 'remote_exec_fuzz'}
exec(compile(src, 'remote-exec-agent', 'exec'), ns)
null = os.open(os.devnull, os.O_RDWR)
gw = ns['Gateway'](null, null, 1 << 20, None)
ProtocolError = ns['ProtocolError']
data = sys.stdin.buffer.read()
p = 0; i = 0; decoded = rejected = 0; escaped = []
while p < len(data):
    n = int.from_bytes(data[p:p + 4], 'big'); body = memoryview(data)[p + 4:p + 4 + n]; p += 4 + n
    try:
        gw._decode(body); decoded += 1
    except ProtocolError:
        rejected += 1
    except BaseException as e:
        escaped.append([i, '%s: %s' % (type(e).__name__, str(e)[:200])])
    i += 1
peak = int([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]) * 1024
sys.stdout.write(json.dumps({'decoded': decoded, 'rejected': rejected, 'escaped': escaped, 'peakRss': peak}))
`;

const NODE_DRIVER = `
const fs = require('fs');
const agent = require(process.argv[1]);
const data = fs.readFileSync(0);
let p = 0, i = 0, decoded = 0, rejected = 0;
const escaped = [];
while (p < data.length) {
  const n = data.readUInt32BE(p);
  const start = p + 4;
  p = start + n;
  try {
    const m = agent.decodeBody(data, start, p);
    // The rule the agent's onMessage applies before dispatching (sec. 3).
    if (!Array.isArray(m) || m.length !== 3 || !Number.isInteger(m[0]) || m[0] < 0 || !Number.isInteger(m[1]) || m[1] < 0) throw new agent.ProtocolError('not a message');
    decoded++;
  } catch (e) {
    // The agent answers any Error from its decoder as a protocol error (ERROR, then a clean exit).
    if (e instanceof Error) rejected++;
    else escaped.push([i, String(e).slice(0, 300)]);
  }
  i++;
}
const peak = Number(/VmHWM:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
process.stdout.write(JSON.stringify({ decoded, rejected, escaped, peakRss: peak }));
`;

describe(`decoder fuzz, ${CASES} cases each ${seedNote}`, () => {
  const bodies = cases(SEED);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-fuzz-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

  test("the host's codec and frame decoder", () => {
    const codec = new ValueCodec({ channelFromId: (id) => ({ id }) as unknown as Channel });
    const outcome: Outcome = { decoded: 0, rejected: 0, escaped: [], peakRss: 0 };
    // The runner and the cases themselves are not the decoder's: only its growth of the peak counts.
    const before = peakRss();
    bodies.forEach((body, i) => {
      try {
        const m = codec.decode(body);
        if (!Array.isArray(m) || m.length !== 3) throw new Error('not a message');
        outcome.decoded++;
      } catch (err) {
        if (err instanceof Error) outcome.rejected++;
        else outcome.escaped.push([i, String(err)]);
      }
    });
    outcome.peakRss = peakRss() - before;
    checkOutcome(outcome, "the host's codec");
    // Frames: the same bodies cut at random places come out whole, in order; a lying length is refused.
    const rand = prng(SEED ^ 0x5eed);
    const stream = Buffer.concat(bodies.slice(0, 2000).flatMap((b) => [frameHeader(b.length), b]));
    const decoder = new FrameDecoder(1 << 20);
    const seen: Buffer[] = [];
    for (let p = 0; p < stream.length;) {
      const n = 1 + Math.floor(rand() * 300);
      decoder.push(stream.subarray(p, p + n), (body) => seen.push(Buffer.from(body)));
      p += n;
    }
    assert.equal(seen.length, 2000, `every frame comes out ${seedNote}`);
    seen.forEach((b, i) => assert.ok(b.equals(bodies[i]), `frame ${i} whole ${seedNote}`));
    assert.throws(
      () => new FrameDecoder(1 << 20).push(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0]), () => undefined),
      /exceeds|maximum|frame/i,
    );
  });

  test("the Python agent's message decoder (its pure-Python msgpack)", async () => {
    const file = path.join(dir, 'agent.py');
    fs.writeFileSync(file, assembleAgent('python'));
    checkOutcome(await runDriver(['python3', '-c', PYTHON_DRIVER, file], { REMOTE_EXEC_PURE: '1' }, bodies), 'the Python agent');
  });

  test("the Node agent's message decoder", async () => {
    const file = path.join(dir, 'agent.js');
    // The shipped agent with its start replaced by an export of its decoder and message check.
    const source = assembleAgent('node').replace(/\nmain\(\);\s*$/, '\nmodule.exports = { decodeBody, ProtocolError };\n');
    assert.ok(source.includes('module.exports = { decodeBody'), 'the agent ends with its start, main()');
    fs.writeFileSync(file, source);
    checkOutcome(await runDriver([process.execPath, '-e', NODE_DRIVER, file], {}, bodies), 'the Node agent');
  });
});
