import type { Transport } from '../../protocol';
import type { XSpec } from '../gateway/xspec';
/** `popen`: the interpreter as a local child process, bootstrapped over its stdin. */
export declare function openPopen(spec: XSpec): Promise<Transport>;
