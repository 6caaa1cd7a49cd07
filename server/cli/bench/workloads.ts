import * as fs from 'fs';
import * as path from 'path';
import { remotePath, remoteSource, type AgentKind } from '../../agents';

/**
 * The channel workloads, written once per language as remote helpers (server/agents/remote/bench_*) and
 * run the same way against every peer: execnet's remote_exec takes the Python files unchanged.
 */
export type Workloads = Record<'echo' | 'sink' | 'source' | 'payloadSink' | 'payloadSource', string>;

const WORKLOAD_FILES: Record<keyof Workloads, string> = {
  echo: 'bench_echo',
  sink: 'bench_sink',
  source: 'bench_source',
  payloadSink: 'bench_payload_sink',
  payloadSource: 'bench_payload_source',
};

/** The sources of the workloads for an agent of `language`, as sent with remoteExec. */
export function workloads(language: AgentKind): Workloads {
  return mapWorkloads((name) => remoteSource(name, language));
}

/** Where the workload files for `language` are, for a peer's driver that sends them itself (execnet). */
export function workloadPaths(language: AgentKind): Workloads {
  return mapWorkloads((name) => remotePath(name, language));
}

function mapWorkloads(fn: (name: string) => string): Workloads {
  return Object.fromEntries(Object.entries(WORKLOAD_FILES).map(([key, name]) => [key, fn(name)])) as Workloads;
}

/**
 * A peer's own benchmark driver, run on this host (peers/execnet_bench.py, peers/rpyc_bench.py,
 * peers/pythonia_bench.js): beside this file in the repository, under dist/bench/peers/ in the build.
 */
export function peerScript(file: string): string {
  const candidates = [path.join(__dirname, 'peers', file), path.join(__dirname, 'bench', 'peers', file)];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`the bench's peer script ${file} is missing: looked for ${candidates.join(' and ')}`);
  return found;
}
