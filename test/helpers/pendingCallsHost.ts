// The host side of test/helpers/millionPendingCalls.ts, run in a process of its own: the test runner
// tracks every promise's async context, which would add its own cost to each of a million calls, and
// the host's memory is measured from a clean baseline. Prints one JSON line of figures.
// usage: node --import tsx --expose-gc pendingCallsHost.ts CALLS SPEC DEFINE OPEN
import * as path from 'node:path';
import { peakRss } from './processes';

// The bundle, as users load it: the test compiler names every function it creates, which costs each
// proxy about 400 bytes more than the product pays.
const { makeGateway } = require(path.resolve(__dirname, '../../dist/api.js')) as typeof import('../../server/api');

export interface PendingCallsFigures {
  /** Messages the agent read while every call was pending, a STATUS included. */
  received: number;
  /** Live host heap per pending call, after a full collection. */
  heapPerCall: number;
  hostPeakGrowth: number;
  agentPeakGrowth: number;
  /** The first call answered with another call's value, if any. */
  wrongAnswer: string | null;
}

function liveHeap(): number {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with --expose-gc');
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const [callsArg, spec, define, open] = process.argv.slice(2);
  const calls = Number(callsArg);
  const gw = await makeGateway(spec!);
  try {
    await gw.remoteExec(define!, { session: true }).waitClose(20000);
    const wait = (await gw.objectRequest(null, [['getattr', 'wait']], 'proxy')) as (i: number) => PromiseLike<number>;
    const heap = liveHeap();
    const host = peakRss('self');
    const remote = peakRss(gw.info.pid);
    const before = await gw.remoteStatus();
    // Every chain exists before any is sent (Promise.resolve reads `then` later): the costlier way.
    const pending: Promise<number>[] = new Array(calls);
    for (let i = 0; i < calls; i++) pending[i] = Promise.resolve(wait(i));
    await new Promise((sent) => setImmediate(sent));
    // A STATUS sent behind the million.
    const during = await gw.remoteStatus();
    const heapPerCall = (liveHeap() - heap) / calls;
    await gw.remoteExec(open!, { session: true }).waitClose(20000);
    const answers = await Promise.all(pending);
    let wrongAnswer: string | null = null;
    for (let i = 0; i < calls && !wrongAnswer; i++) if (answers[i] !== i) wrongAnswer = `call ${i} answered ${answers[i]}`;
    const figures: PendingCallsFigures = {
      received: during.msgsIn - before.msgsIn,
      heapPerCall,
      hostPeakGrowth: peakRss('self') - host,
      agentPeakGrowth: peakRss(gw.info.pid) - remote,
      wrongAnswer,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await gw.exit();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
