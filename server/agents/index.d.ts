import type { InterpreterKind } from '../gateway/xspec';
/**
 * The agents shipped to interpreters over stdin (PROTOCOL.md §1). Their sources sit next to this file in
 * the repository and under dist/agents/ in the build; both places are searched. Each is read once, when
 * a gateway of its language is first made.
 */
export type AgentKind = Exclude<InterpreterKind, 'repl'>;
/** The interpreter arguments of the one-line loader: read `<length>\n<source>` from stdin and run it. */
export declare function loaderArgs(kind: AgentKind): string[];
export declare function agentSource(kind: AgentKind): string;
export declare function agentPath(kind: AgentKind): string;
/** The bytes the host writes to the loader: the source length, a newline, the source. */
export declare function bootstrapPayload(kind: AgentKind): Buffer;
