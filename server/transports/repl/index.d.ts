import type { Gateway, Transport } from '../../../protocol';
import { type XSpec } from '../../gateway/xspec';
import { type ReplProfile } from './profiles';
export { loadNodePty, NODE_PTY_PATH_ENV } from './ptyLoader';
export { pickProfile, type ReplProfile } from './profiles';
/** A Transport whose agent is a REPL in a terminal; the terminal can be resized. */
export interface ReplTransport extends Transport {
  /** The pid of the terminal's child (the REPL, or ssh for `ssh=`). */
  readonly pid: number;
  readonly profile: ReplProfile;
  resize(cols: number, rows: number): void;
}
/**
 * `repl=COMMAND LINE` over popen or ssh: the REPL runs in a node-pty terminal, driven by an in-process
 * agent that speaks the protocol over an in-memory stream pair, so the returned Transport serves the
 * ordinary Gateway. node-pty is loaded here, on first use, and nowhere else.
 */
export declare function openRepl(spec: XSpec): Promise<ReplTransport>;
/**
 * Resizes the terminal of a `repl=` gateway (the protocol has no message for it: a terminal is this
 * transport's own business). Throws for any other gateway.
 */
export declare function resizeRepl(gateway: Gateway, cols: number, rows: number): void;
