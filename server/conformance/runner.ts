import { Gateway, type AgentInfo } from '../../protocol';
import { CheckFailure, CheckSkipped, type Check, type CheckContext } from './check';
import { CHECKS } from './checks';
import { limits } from './checks/helpers';
import { RawConnection } from './rawConnection';
import { SNIPPETS } from './snippets';
import type { AgentTarget } from './target';

export type Outcome = 'passed' | 'failed' | 'skipped';

export interface CheckResult {
  name: string;
  outcome: Outcome;
  ms: number;
  /** Why it failed (expected vs got) or was skipped. */
  reason?: string;
}

export interface ConformanceReport {
  target: string;
  /** The agent's HELLO, when it sent one. */
  agent?: AgentInfo;
  results: CheckResult[];
  passed: number;
  failed: number;
  skipped: number;
}

export interface RunOptions {
  /** Bound of one check; a check still running then fails and its agents are killed. */
  checkTimeoutMs?: number;
  /** How long one step of a check waits for the agent (default 5000 ms). */
  stepTimeoutMs?: number;
  /** Runs only the checks whose name matches. */
  filter?: RegExp;
  /** Called as each check ends, for a live report. */
  onResult?: (result: CheckResult) => void;
  /** Called once the agent's HELLO is in, before the first check. */
  onAgent?: (info: AgentInfo) => void;
  checks?: Check[];
}

const HELLO_TIMEOUT_MS = 10000;
let nextGatewayNumber = 0;

/**
 * Runs the conformance suite against one agent. Checks run one at a time; the ones that leave the agent
 * as they found it share a gateway, the others get their own agent, killed when the check ends.
 */
export async function runConformance(target: AgentTarget, options: RunOptions = {}): Promise<ConformanceReport> {
  limits.stepMs = options.stepTimeoutMs ?? 5000;
  const checks = (options.checks ?? CHECKS).filter((c) => !options.filter || options.filter.test(c.name));
  const report: ConformanceReport = { target: target.description, results: [], passed: 0, failed: 0, skipped: 0 };
  const record = (result: CheckResult) => {
    report.results.push(result);
    report[result.outcome]++;
    options.onResult?.(result);
  };

  const probeStarted = Date.now();
  let info: AgentInfo;
  try {
    const probe = new RawConnection(await target.open());
    try {
      info = await probe.handshake(HELLO_TIMEOUT_MS);
    } finally {
      probe.close();
    }
  } catch (err) {
    record({ name: 'start: the agent starts and sends HELLO', outcome: 'failed', ms: Date.now() - probeStarted, reason: reasonOf(err) });
    for (const check of checks) record({ name: check.name, outcome: 'skipped', ms: 0, reason: 'the agent never sent HELLO' });
    return report;
  }
  report.agent = info;
  options.onAgent?.(info);
  const language = String(info.language);
  const snippets = Object.prototype.hasOwnProperty.call(SNIPPETS, language) ? SNIPPETS[language] : undefined;
  const capabilities = Array.isArray(info.capabilities) ? info.capabilities : [];

  let shared: Promise<Gateway> | undefined;
  const dropShared = async () => {
    const gateway = await shared?.catch(() => undefined);
    shared = undefined;
    if (gateway) await closeGateway(gateway);
  };

  for (const check of checks) {
    if (check.needsSnippets && !snippets) {
      record({ name: check.name, outcome: 'skipped', ms: 0, reason: `no snippets for language ${JSON.stringify(language)}` });
      continue;
    }
    if (check.needsCapability && !capabilities.includes(check.needsCapability)) {
      record({
        name: check.name,
        outcome: 'skipped',
        ms: 0,
        reason: `the agent does not announce the '${check.needsCapability}' capability`,
      });
      continue;
    }
    const gateways: Promise<Gateway>[] = [];
    const raws: RawConnection[] = [];
    const ctx: CheckContext = {
      info,
      snippets,
      shared: () => (shared ??= openGateway(target)),
      fresh: () => {
        const gateway = openGateway(target);
        gateways.push(gateway);
        return gateway;
      },
      raw: async (opts = {}) => {
        const raw = new RawConnection(await target.open());
        raws.push(raw);
        if (opts.handshake !== false) await raw.handshake(HELLO_TIMEOUT_MS, { protocol: 1, maxFrame: opts.maxFrame ?? 256 * 1024 * 1024 });
        return raw;
      },
    };
    const started = Date.now();
    const timeoutMs = Math.max(check.timeoutMs ?? 0, options.checkTimeoutMs ?? limits.stepMs * 3);
    let timer: NodeJS.Timeout | undefined;
    const running = check.run(ctx);
    running.catch(() => undefined);
    const outcome = await Promise.race([
      running.then(() => ({ outcome: 'passed' as Outcome })),
      new Promise<{ outcome: Outcome; reason: string }>((resolve) => {
        timer = setTimeout(
          () => resolve({ outcome: 'failed', reason: `timed out after ${timeoutMs} ms: the agent did not answer` }),
          timeoutMs,
        );
      }),
    ]).catch((err: unknown) =>
      err instanceof CheckSkipped
        ? { outcome: 'skipped' as Outcome, reason: err.message }
        : { outcome: 'failed' as Outcome, reason: reasonOf(err) },
    );
    clearTimeout(timer);
    for (const raw of raws) raw.close();
    await Promise.all(gateways.map((g) => g.then(closeGateway, () => undefined)));
    // A failed check may leave the shared agent in any state; the next check gets a new one.
    if (outcome.outcome === 'failed') await dropShared();
    record({ name: check.name, ms: Date.now() - started, ...outcome });
  }
  await dropShared();
  return report;
}

async function openGateway(target: AgentTarget): Promise<Gateway> {
  const transport = await target.open();
  const gateway = new Gateway(transport, {
    id: `conformance${nextGatewayNumber++}`,
    spec: target.description,
    helloTimeoutMs: HELLO_TIMEOUT_MS,
  });
  // The checks read ERRORs themselves where they expect them; elsewhere they are only noise.
  gateway.on('protocolError', () => undefined);
  try {
    await gateway.start();
  } catch (err) {
    transport.kill();
    throw err;
  }
  return gateway;
}

async function closeGateway(gateway: Gateway): Promise<void> {
  await gateway.exit(1000).catch(() => undefined);
}

function reasonOf(err: unknown): string {
  if (err instanceof CheckFailure) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message.split('\n').slice(0, 3).join(' | ')}`;
  return String(err);
}
