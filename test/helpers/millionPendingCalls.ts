import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { DEFAULT_MAX_REQUESTS } from '../../protocol/requests';
import type { PendingCallsFigures } from './pendingCallsHost';

// A million proxy calls pending at once, each blocked remotely until remote code lets them go. The host
// holds them (each is a promise its caller holds anyway) but sends at most maxRequests: the agent's
// queue and the pipe to it stay small, and what comes after the calls (a STATUS, an EXEC) is not stuck
// behind them. One agent per test file: each run takes most of a minute.

const MiB = 1024 * 1024;
const CALLS = 1_000_000;
/** The agent's bound, as for every flood: peak RSS (VmHWM) from /proc. */
const AGENT_BOUND = 256 * MiB;
/**
 * The host's, per pending call, in live heap after a full collection: the caller's promise and its
 * resolving functions (Node's own floor, about 280 bytes measured alone), the table's record and the
 * parked frame's bytes: 685 bytes measured. A pending table and closures per call, as before, cost 849.
 */
const HOST_HEAP_PER_CALL = 800;
/**
 * Peak RSS on the host also counts the collector's slack, which depends on its timing: a looser bound
 * (1.1–2.0 KiB measured over several runs; a handler and closures per proxy, as before, cost 3 KiB).
 */
const HOST_RSS_PER_CALL = 2.5 * 1024;

export interface PendingCallsAgent {
  name: string;
  spec: string;
  /** Defines `wait(i)`, which returns i once the gate opens. */
  define: string;
  /** Opens the gate. */
  open: string;
}

export function millionPendingCalls(agent: PendingCallsAgent): void {
  describe(`a million pending proxy calls, ${agent.name} agent`, () => {
    test(`${CALLS.toLocaleString('en-US')} calls blocked remotely: at most ${DEFAULT_MAX_REQUESTS} reach the agent, STATUS and EXEC still pass, every call gets its answer`, async (t) => {
      const host = path.join(__dirname, 'pendingCallsHost.ts');
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', '--expose-gc', host, String(CALLS), agent.spec, agent.define, agent.open],
        { timeout: 110_000 },
      );
      const figures = JSON.parse(stdout) as PendingCallsFigures;
      t.diagnostic(`the agent received ${figures.received} messages while ${CALLS} calls were pending`);
      t.diagnostic(`live host heap per pending call: ${figures.heapPerCall.toFixed(0)} bytes`);
      t.diagnostic(
        `peak RSS grew: host ${(figures.hostPeakGrowth / MiB).toFixed(0)} MiB, agent ${(figures.agentPeakGrowth / MiB).toFixed(0)} MiB`,
      );
      // The STATUS behind the million was answered, and the agent read no more than the bound of them.
      assert.ok(figures.received <= DEFAULT_MAX_REQUESTS + 1, `the agent received ${figures.received} messages`);
      assert.equal(figures.wrongAnswer, null);
      assert.ok(figures.heapPerCall < HOST_HEAP_PER_CALL, `a pending call costs ${figures.heapPerCall.toFixed(0)} bytes of live heap`);
      assert.ok(figures.agentPeakGrowth < AGENT_BOUND, `agent peak RSS grew by ${(figures.agentPeakGrowth / MiB).toFixed(0)} MiB`);
      assert.ok(
        figures.hostPeakGrowth < CALLS * HOST_RSS_PER_CALL,
        `host peak RSS grew by ${(figures.hostPeakGrowth / MiB).toFixed(0)} MiB`,
      );
    });
  });
}
