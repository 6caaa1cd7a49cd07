import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

/**
 * A host process of its own, to be killed: runs `body` (the body of an async function with `makeGateway`
 * and `startSocketServer` in scope, returning the pids of the agents it started) and resolves once those
 * agents run, with their pids.
 */
export async function startDoomedHost(body: string): Promise<{ host: ChildProcess; pids: number[] }> {
  const script = `
    const { makeGateway, startSocketServer } = require(${JSON.stringify(path.join(root, 'server/api'))});
    (async () => {
      ${body}
    })().then((pids) => process.stdout.write(JSON.stringify(pids) + '\\n'), (err) => {
      process.stderr.write(String(err && err.stack) + '\\n');
      process.exit(1);
    });`;
  const host = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const pids = await new Promise<number[]>((resolve, reject) => {
    let out = '';
    host.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
    });
    host.on('exit', () => reject(new Error(`the host ended before starting its agents: ${out}`)));
  });
  return { host, pids };
}
