import { PassThrough, Writable } from 'stream';
import type { Channel, Gateway, Transport, TransportExit } from '../../protocol';
import { bootstrapPayload, remoteSource } from '../agents';
import { findGateway, openGatewayIds } from '../gateway/registry';
import { XSpecError, type XSpec } from '../gateway/xspec';
import { agentCommand, hasPrefix, interpreterArgv } from './prefix';
import { classifyStartFailure, withStartDiagnosis } from './startErrors';

/**
 * The relay runs on the via gateway (server/agents/remote/via_relay.py and .js): it starts the target
 * interpreter there and moves bytes between a channel and the child's stdin/stdout (bytes items), ending
 * with `{exit, stderr}` when the child is gone; `{kill: true}` from the host kills the child.
 */
export function relaySource(language: string): string {
  if (language === 'python' || language === 'node') return remoteSource('via_relay', language);
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
      // The end of input is an item, not a close: the relay then still sends the child's exit status, so
      // exit() resolves after the nested agent has exited, with its real code.
      if (channel.isClosed()) return callback();
      try {
        channel.send(null).then(() => callback(), callback);
      } catch (err) {
        callback(err as Error);
      }
    },
  });
  return {
    input,
    output,
    exited,
    kill: () => {
      if (channel.isClosed()) return;
      // The relay kills the child at once: closing its stdin alone would leave a stopped agent there.
      channel.send({ kill: true }).catch(() => undefined);
      channel.close();
    },
  };
}
