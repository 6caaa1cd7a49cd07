import { type Message } from '../../protocol/messages';
/**
 * REMOTE_EXEC_DEBUG=1 writes a protocol trace of this process to `remote-exec-debug-<pid>` in the temp
 * folder (execnet's EXECNET_DEBUG); =2 writes it to stderr. Agents read the same variable.
 */
export declare function protocolTracer(gatewayId: string, env?: NodeJS.ProcessEnv): ((dir: 'in' | 'out', m: Message) => void) | undefined;
