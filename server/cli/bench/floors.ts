import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { median, now, perOpUs } from './timing';
import { peerScript } from './workloads';

/**
 * What no gateway can beat on this machine, measured in the same run as the figures set against it: a
 * Node↔Python 1-byte ping-pong over a pipe (the Python side blocking in the kernel, or polling up to
 * `spinUs` first), and the bare starts of the interpreters.
 */
export async function rawPipeRoundTripUs(python: string, mode: 'block' | 'spin', count: number, spinUs = 50): Promise<number> {
  const child = spawn(python, [peerScript('raw_pipe.py'), mode, String(spinUs)], { stdio: ['pipe', 'pipe', 'ignore'] });
  const byte = Buffer.from([1]);
  let answered: () => void = () => {};
  child.stdout.on('data', () => answered());
  const ping = () =>
    new Promise<void>((resolve) => {
      answered = resolve;
      child.stdin.write(byte);
    });
  try {
    return await perOpUs(ping, count);
  } finally {
    child.stdin.end();
  }
}

/** Median wall time of `argv` run to its end, in ms. */
export function commandMs(argv: string[], runs = 7, env: NodeJS.ProcessEnv = process.env): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = now();
    const r = spawnSync(argv[0], argv.slice(1), { stdio: 'ignore', env });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited with ${r.status ?? r.signal}`);
    times.push(now() - t);
  }
  return median(times);
}

/** The built CLI beside this bundle (dist/cli.js), when the bench runs from the build. */
export function builtCli(): string | undefined {
  const file = path.join(__dirname, 'cli.js');
  return fs.existsSync(file) ? file : undefined;
}
