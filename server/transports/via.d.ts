import type { Gateway, Transport } from '../../protocol';
import { type XSpec } from '../gateway/xspec';
export declare function relaySource(language: string): string;
/** `popen//via=gw1`: a fresh agent started on the host of the already open gateway `gw1` (execnet's via). */
export declare function openVia(spec: XSpec, given?: Gateway): Promise<Transport>;
