import type { Transport } from '../../protocol';
import { type XSpec } from '../gateway/xspec';
/** Extra ssh arguments for every ssh gateway, split like a shell: `-i KEY -o UserKnownHostsFile=F`. */
export declare const SSH_OPTIONS_ENV = 'REMOTE_EXEC_SSH_OPTIONS';
export interface SshAddress {
  user?: string;
  host: string;
  port?: number;
}
export declare function parseSshAddress(address: string): SshAddress;
/**
 * The private folder of the connection-sharing sockets. Short, because a unix socket path is limited to
 * about 100 bytes; private, because whoever can open a master socket can run commands on its host.
 * Undefined when it cannot be made safely: sharing is then simply off.
 */
export declare function sshControlDir(): string | undefined;
/** ssh's own options for `address`: the user's extras first (ssh keeps the first value it reads), then ours. */
export declare function sshOptions(spec: Pick<XSpec, 'options'>, address: SshAddress, env?: NodeJS.ProcessEnv): string[];
export declare function sshDestination(address: SshAddress): string;
/** The command the remote login shell runs: `cd DIR && env ... nice -n N python3 -c LOADER`. */
export declare function remoteAgentCommand(spec: XSpec): string;
export declare function sshArgv(spec: XSpec, env?: NodeJS.ProcessEnv): string[];
/** `ssh=[user@]host[:port]`: the system OpenSSH client, so ~/.ssh/config, agents, ProxyJump and keys all apply. */
export declare function openSsh(spec: XSpec): Promise<Transport>;
