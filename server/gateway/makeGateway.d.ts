import { Gateway } from '../../protocol';
import { type XSpec } from './xspec';
export interface MakeGatewayOptions {
  /** Gateway id; default the spec's `id=`, else `gw0`, `gw1`, ... */
  id?: string;
  /** Threshold of remote log forwarding (Python logging levels; default 30, WARNING). */
  logLevel?: number;
  /** Largest frame accepted from the agent, in bytes. */
  maxFrame?: number;
  /** The gateway a `via=` spec goes through; default: the open gateway whose id the spec names. */
  via?: Gateway;
}
/** Opens a gateway to a fresh agent for `spec` (execnet's makegateway), after the HELLO exchange. */
export declare function makeGateway(spec?: string | XSpec, options?: MakeGatewayOptions): Promise<Gateway>;
