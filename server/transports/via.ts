import { PassThrough, Writable } from 'stream';
import type { Channel, Gateway, Transport, TransportExit } from '../../protocol';
import { bootstrapPayload } from '../agents';
import { findGateway, openGatewayIds } from '../gateway/registry';
import { XSpecError, type XSpec } from '../gateway/xspec';
import { agentCommand, hasPrefix, interpreterArgv } from './prefix';
import { classifyStartFailure, withStartDiagnosis } from './startErrors';

/**
 * Relays run on the via gateway: they start the target interpreter there and move bytes between a
 * channel and the child's stdin/stdout (bytes items), ending with `{exit, stderr}` when the child is gone.
 */
const PYTHON_RELAY = String.raw`
import os, subprocess, threading

def _relay(channel):
    cfg = channel.receive()
    env = dict(os.environ)
    env.update(cfg.get('env') or {})
    try:
        child = subprocess.Popen(cfg['argv'], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, cwd=cfg.get('cwd') or None, env=env, bufsize=0)
    except OSError as e:
        channel.send({'exit': 127, 'stderr': '%s: %s' % (cfg['argv'][0], e)})
        return
    tail = []

    def read_stderr():
        while True:
            b = os.read(child.stderr.fileno(), 4096)
            if not b:
                return
            tail.append(b)
            del tail[:-8]

    errs = threading.Thread(target=read_stderr, daemon=True)
    errs.start()
    end = object()

    # A callback, not a blocking loop: the host's bytes go to the child as they come, and the end of
    # the channel (the host closing it) closes the child's stdin, which ends an agent.
    def to_child(item):
        try:
            if item is end:
                child.stdin.close()
            else:
                child.stdin.write(item)
        except (BrokenPipeError, OSError, ValueError):
            pass

    child.stdin.write(cfg['payload'])
    channel.setcallback(to_child, endmarker=end)
    while True:
        b = os.read(child.stdout.fileno(), 1 << 16)
        if not b:
            break
        channel.send(b)
    child.wait()
    errs.join(2)
    channel.send({'exit': child.returncode, 'stderr': b''.join(tail)[-4096:].decode('utf-8', 'replace')})

_relay(channel)
`;

const NODE_RELAY = String.raw`
const { spawn } = require('child_process');
const cfg = await channel.receive();
const child = spawn(cfg.argv[0], cfg.argv.slice(1), { cwd: cfg.cwd || undefined, env: { ...process.env, ...(cfg.env || {}) }, stdio: ['pipe', 'pipe', 'pipe'] });
let tail = '';
child.stderr.on('data', (b) => { tail = (tail + b.toString('utf8')).slice(-4096); });
child.stdout.on('data', (b) => channel.send(b));
child.stdin.on('error', () => {});
const done = new Promise((resolve) => child.on('close', (code, signal) => {
  try { channel.send({ exit: code === null ? -1 : code, signal, stderr: tail }); } catch (e) {}
  resolve();
}));
child.on('error', (e) => { tail += String(e.message); });
child.stdin.write(Buffer.from(cfg.payload));
for await (const item of channel) child.stdin.write(Buffer.from(item));
child.stdin.end();
const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
await done;
clearTimeout(timer);
`;

export function relaySource(language: string): string {
  if (language === 'python') return PYTHON_RELAY;
  if (language === 'node') return NODE_RELAY;
  throw new Error(`via= needs a Python or Node gateway to relay through, not ${language}`);
}

/** `popen//via=gw1`: a fresh agent started on the host of the already open gateway `gw1` (execnet's via). */
export async function openVia(spec: XSpec, given?: Gateway): Promise<Transport> {
  if (spec.interpreter === 'repl') throw new Error(`repl= gateways do not start through via= (${spec.raw}); use ssh= or popen`);
  const viaId = spec.options.via;
  const via = given ?? findGateway(viaId);
  if (!via) {
    const open = openGatewayIds();
    throw new XSpecError(`via=${viaId}: no open gateway has that id (open: ${open.length ? open.join(', ') : 'none'})`);
  }
  const prefixed = hasPrefix(spec);
  const cfg = {
    argv: prefixed ? agentCommand(spec) : interpreterArgv(spec),
    cwd: prefixed ? null : (spec.chdir ?? null),
    env: {},
    payload: bootstrapPayload(spec.interpreter),
  };
  const channel = via.remoteExec(relaySource(via.info.language));
  await channel.send(cfg);
  const transport = channelTransport(channel, via);
  return withStartDiagnosis(transport, (exit, cause) =>
    classifyStartFailure(exit, `${spec.raw} (through ${via.id})`, { ssh: false, cause }),
  );
}

/** A Transport over a relay channel: bytes items in both directions, `{exit, stderr}` as the last item. */
function channelTransport(channel: Channel, via: Gateway): Transport {
  const input = new PassThrough();
  let status: { exit?: number; signal?: string | null; stderr?: string } | undefined;
  let resolveExited!: (exit: TransportExit) => void;
  const exited = new Promise<TransportExit>((resolve) => (resolveExited = resolve));
  const END = Symbol('end');
  channel.setCallback((item) => {
    if (item instanceof Uint8Array) input.write(Buffer.from(item.buffer, item.byteOffset, item.byteLength));
    else if (item === END) {
      input.end();
      resolveExited({
        code: status?.exit !== undefined && status.exit >= 0 ? status.exit : null,
        signal: status?.signal ?? (status?.exit !== undefined && status.exit < 0 ? `signal ${-status.exit}` : null),
        stderrTail: status?.stderr ?? `the relay on ${via.id} ended (${via.state})`,
      });
    } else if (typeof item === 'object' && item !== null && 'exit' in item) {
      status = item as typeof status;
      // The child is gone: closing our end lets the relay return.
      channel.close();
    }
  }, END);
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      try {
        channel.send(chunk).then(() => callback(), callback);
      } catch (err) {
        callback(err as Error);
      }
    },
    final(callback) {
      if (!channel.isClosed()) channel.close();
      callback();
    },
  });
  return {
    input,
    output,
    exited,
    kill: () => {
      if (!channel.isClosed()) channel.close();
    },
  };
}
