import type { Transport } from '../../protocol';
import type { XSpec } from '../gateway/xspec';
/** The token for `spec`: `token=`, then `token-file=`, then $REMOTE_EXEC_TOKEN. */
export declare function socketToken(spec: XSpec, env?: NodeJS.ProcessEnv): string | undefined;
/** `socket=host:port`: an agent started by `remote-exec serve` after a mutual challenge–response. */
export declare function openSocket(spec: XSpec): Promise<Transport>;
