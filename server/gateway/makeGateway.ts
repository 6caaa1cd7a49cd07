import { Gateway } from '../../protocol';
import { protocolTracer } from './debugTrace';
import { newGatewayId, registerGateway } from './registry';
import { startFailure, TRANSPORTS } from '../transports';
import { parseXSpec, type XSpec } from './xspec';

export interface MakeGatewayOptions {
  /** Gateway id; default the spec's `id=`, else `gw0`, `gw1`, ... */
  id?: string;
  /** Threshold of remote log forwarding (Python logging levels; default 30, WARNING). */
  logLevel?: number;
  /** Largest frame accepted from the agent, in bytes. */
  maxFrame?: number;
  /** The gateway a `via=` spec goes through; default: the open gateway whose id the spec names. */
  via?: Gateway;
  /** The highest protocol version the host announces (GatewayOptions.protocol); 1 turns windows off. */
  protocol?: number;
}

/** Opens a gateway to a fresh agent for `spec` (execnet's makegateway), after the HELLO exchange. */
export async function makeGateway(spec: string | XSpec = 'popen', options: MakeGatewayOptions = {}): Promise<Gateway> {
  // execnet's makegateway() with no spec (or an empty one) is the default local one.
  const xspec = typeof spec === 'string' ? parseXSpec(spec.trim() === '' ? 'popen' : spec) : spec;
  const id = options.id ?? xspec.id ?? newGatewayId();
  const transport = await TRANSPORTS[xspec.transport](xspec, { via: options.via });
  const gateway = new Gateway(transport, {
    id,
    spec: xspec.raw,
    logLevel: options.logLevel ?? (xspec.options.loglevel ? Number(xspec.options.loglevel) : undefined),
    spinUs: xspec.options.spin !== undefined ? Number(xspec.options.spin) : undefined,
    maxFrame: options.maxFrame,
    window: xspec.window,
    agentWindow: xspec.window,
    maxRequests: xspec.requests,
    protocol: options.protocol,
    trace: protocolTracer(id),
  });
  try {
    await gateway.start();
  } catch (err) {
    throw await startFailure(transport, err);
  }
  registerGateway(gateway);
  return gateway;
}
