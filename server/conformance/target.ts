import type { Transport } from '../../protocol';
import { spawnTransport } from '../transports/spawn';
import { TRANSPORTS } from '../transports';
import { parseXSpec, splitCommandLine } from '../gateway/xspec';

/** The agent under test: how to start a new one and get a byte stream to it. */
export interface AgentTarget {
  /** As given on the command line, for the report. */
  readonly description: string;
  open(): Promise<Transport>;
}

/** `--agent CMD`: the command itself is the agent and speaks frames on stdio from its first byte. */
export function commandTarget(command: string): AgentTarget {
  const argv = splitCommandLine(command, '--agent');
  return { description: `--agent ${command}`, open: async () => spawnTransport(argv) };
}

/** `--spec XSPEC`: a shipped agent, bootstrapped through the spec's transport (popen, ssh, socket). */
export function specTarget(spec: string): AgentTarget {
  const xspec = parseXSpec(spec);
  return { description: `--spec ${spec}`, open: () => TRANSPORTS[xspec.transport](xspec) };
}
