import type { Transport } from '../../protocol';
import type { TransportKind, XSpec } from '../xspec';
import { openPopen } from './openPopen';

/** How each transport of the xspec opens a stream to a freshly bootstrapped agent. */
export type TransportOpener = (spec: XSpec) => Promise<Transport>;

export const TRANSPORTS: Record<TransportKind, TransportOpener> = {
  popen: openPopen,
  ssh: () => Promise.reject(new Error('ssh= gateways are not built into this version')),
  socket: () => Promise.reject(new Error('socket= gateways are not built into this version')),
};
