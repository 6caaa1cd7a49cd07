import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { ExecSelectionResult, GatewaySummary } from '../../contract/service';
import type { LogEntry } from '../../contract/logs';
import { RawServer } from '../helpers/rawJsonRpcServer';
import { peakRss } from '../helpers/processes';

// outputFloods.test.ts holds the backend's store to its bounds in-process; here the whole path is real:
// `remote-exec server --stdio` runs a local Python gateway's print of 1 GiB, as the extension would ask
// it to, and the JSON-RPC client reads as fast as it can. Peak RSS (VmHWM) of the backend stays within
// the bound SECURITY.md and the README state, the line that arrives says how much of it was dropped,
// and the backend serves on.

const MiB = 1024 * 1024;
const BOUND = 256 * MiB;

type Notification = { method?: string; params?: unknown };

describe('output floods through the JSON-RPC backend, end to end', () => {
  let server: RawServer;
  let baseline = 0;
  let nextId = 1;
  before(async () => {
    server = new RawServer();
    await server.stillServes();
    baseline = server.peakRss();
  });
  after(() => server.kill());

  async function request<T>(method: string, params?: unknown): Promise<T> {
    const id = nextId++;
    server.write(server.frame(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) })));
    // 1 GiB through a pipe is seconds of work on a loaded 2-core machine: a generous deadline.
    const end = Date.now() + 240000;
    for (;;) {
      const a = server.answers.find((x) => x.id === id);
      if (a) {
        assert.equal(a.error, undefined, `${method}: ${JSON.stringify(a.error)}`);
        return a.result as T;
      }
      if (Date.now() > end || server.child.exitCode !== null) throw new Error(`no answer to ${method}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  function entriesSince(from: number): LogEntry[] {
    return (
      (server.answers.slice(from) as unknown as Notification[])
        .filter((n) => n.method === 'remoteExec/logEntries')
        // A notification's one array parameter travels by position, wrapped in the params array.
        .flatMap((n) => (n.params as [LogEntry[]])[0])
    );
  }

  /**
   * The characters kept and the bytes dropped of the lines of `char` on stdout; a long line may arrive
   * in parts (shown partial after a pause), each saying what it dropped.
   */
  function account(entries: LogEntry[], char: string): { kept: number; dropped: number; lines: number } {
    const shape = new RegExp(`^${char}*(… \\[(\\d+) bytes dropped\\])?$`);
    let kept = 0;
    let dropped = 0;
    let lines = 0;
    let continuing = false; // the last entry of these lines was partial: this one continues it
    for (const e of entries) {
      if (e.stream !== 'stdout' || !(continuing || e.text.startsWith(char))) continue;
      continuing = e.partial === true;
      const m = shape.exec(e.text);
      assert.ok(m, `a line of ${char} or its dropped count, nothing else: ${e.text.slice(0, 40)}…${e.text.slice(-40)}`);
      kept += e.text.length - (m[1]?.length ?? 0);
      dropped += Number(m[2] ?? 0);
      if (!e.partial) lines++;
    }
    return { kept, dropped, lines };
  }

  /** The entries since `from`, once the line `after` (printed last) has arrived. */
  async function entriesUntilAfter(from: number): Promise<LogEntry[]> {
    const end = Date.now() + 60000;
    for (;;) {
      const entries = entriesSince(from);
      if (entries.some((e) => e.text === 'after')) return entries;
      if (Date.now() > end) {
        const summary = entries.map((e) => `${e.stream}:${e.text.slice(0, 20)}…${e.text.slice(-30)}`);
        throw new Error(`the line printed after the flood never arrived; ${entries.length} entries: ${summary.slice(-5).join(' | ')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Runs `source` on the spec's gateway as the extension does; resolves once its last line, `after`, has arrived. */
  async function runToTheEnd(source: string): Promise<{ run: ExecSelectionResult; entries: LogEntry[] }> {
    const from = server.answers.length;
    const run = await request<ExecSelectionResult>('remoteExec/execSelection', { spec: 'popen', source });
    assert.equal(run.status, 'ok', JSON.stringify(run.error));
    return { run, entries: await entriesUntilAfter(from) };
  }

  function assertBackendBounded(t: TestContext): void {
    const grew = server.peakRss() - baseline;
    t.diagnostic(`backend peak RSS grew by ${(grew / MiB).toFixed(0)} MiB`);
    assert.ok(grew < BOUND, `backend peak RSS grew by ${(grew / MiB).toFixed(0)} MiB`);
  }

  async function agentPid(): Promise<number> {
    const gateways = await request<GatewaySummary[]>('remoteExec/listGateways');
    return gateways[0].info!.pid;
  }

  test('1 GiB in one print: the line arrives cut, saying how many bytes were dropped; backend and agent bounded', async (t) => {
    const { entries } = await runToTheEnd("print('x' * (1 << 30))\nprint('after')");
    const pid = await agentPid();
    const { kept, dropped, lines } = account(entries, 'x');
    const shown = entries.filter((e) => e.stream === 'stdout').map((e) => [e.partial, e.text.slice(0, 8), e.text.slice(-40)]);
    assert.equal(lines, 1, `one line: ${JSON.stringify(shown)}`);
    // Shown once, cut at the limit (16,384 characters), however many pauses the 1 GiB took to arrive.
    assert.equal(kept, 16_384, `the line is shown once: ${JSON.stringify(shown)}`);
    assert.equal(kept + dropped, 1 << 30, 'kept + dropped is the whole line');
    assertBackendBounded(t);
    // The agent holds the user's own 1 GiB string; what it adds to send it is held to the bound.
    t.diagnostic(`agent peak RSS ${(peakRss(pid) / MiB).toFixed(0)} MiB, the user's 1 GiB string included`);
    assert.ok(peakRss(pid) < 1024 * MiB + BOUND, `agent peak RSS ${(peakRss(pid) / MiB).toFixed(0)} MiB`);
  });

  test('1 GiB in 1 MiB lines: every line arrives, each saying what it dropped, backend bounded', async (t) => {
    const { run, entries } = await runToTheEnd("line = 'y' * (1 << 20)\nfor i in range(1024):\n    print(line)\nprint('after')");
    const { kept, dropped, lines } = account(entries, 'y');
    // Lines the backend could not deliver are counted in `dropped` entries, never lost silently.
    const linesDropped = entries.filter((e) => e.stream === 'dropped').reduce((n, e) => n + (e.count ?? 0), 0);
    assert.equal(lines + linesDropped, 1024, `every line arrives or is counted (${lines} arrived, ${linesDropped} counted)`);
    assert.ok(dropped > 0 && kept > 0, `kept ${kept}, dropped ${dropped}`);
    assertBackendBounded(t);
    await request('remoteExec/closeGateway', { gatewayId: run.gatewayId });
  });
});
