import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LogEntry } from '../../contract/logs';
import { outputSize, RunModel } from '../../contract/runChanges';
import type { ExecSelectionResult, RunEvent } from '../../contract/service';
import { DEFAULT_LIMITS, RunStore } from '../../extension/results/runStore';

let seq = 0;
const line = (run: string | undefined, text: string, extra: Partial<LogEntry> = {}): LogEntry => ({
  seq: ++seq,
  time: Date.now(),
  gateway: 'gw0',
  stream: 'stdout',
  level: 20,
  levelname: 'INFO',
  text,
  ...(run ? { run, channel: 1 } : {}),
  ...extra,
});
const queued = (runId: string, source = 'x = 1\n'): RunEvent => ({
  gatewayId: 'gw0',
  runId,
  phase: 'queued',
  uri: 'file:///w/cells.py',
  range: [3, 4],
  source,
  language: 'python',
  time: 1000,
});
const started = (runId: string): RunEvent => ({ gatewayId: 'gw0', runId, phase: 'started', time: 1100 });
const finished = (runId: string, result: Partial<ExecSelectionResult>): RunEvent => ({
  gatewayId: 'gw0',
  runId,
  phase: 'finished',
  status: result.status ?? 'ok',
  result: { gatewayId: 'gw0', runId, status: 'ok', items: [], ...result },
  time: 1350,
});

/** The webview's copy: the changes the store hands out, applied in order. */
function mirror(store: RunStore, model = new RunModel()): RunModel {
  for (const change of store.takeChanges()) model.apply(JSON.parse(JSON.stringify(change)));
  return model;
}

describe('the results store', () => {
  test('a run goes queued → running → done with its lines, file and value; failed runs keep linked frames', () => {
    const store = new RunStore(DEFAULT_LIMITS, (uri) => uri.replace('file:///w/', ''));
    store.onRunEvent(queued('a'));
    assert.equal(store.get('a')?.state, 'queued');
    assert.equal(store.get('a')?.file, 'cells.py');
    store.onRunEvent(started('a'));
    store.onLogEntries([line('a', 'hello'), line('a', 'world')]);
    store.onRunEvent(finished('a', { value: { type: 'int', repr: '42', expandable: false } }));
    const run = store.get('a')!;
    assert.equal(run.state, 'done');
    assert.deepEqual(run.outputs, [{ kind: 'stream', stream: 'stdout', lines: ['hello', 'world'], open: false }]);
    assert.deepEqual(run.value, { type: 'int', repr: '42' });
    assert.equal(run.finishedAt! - run.startedAt!, 250);

    store.onRunEvent(queued('b'));
    store.onRunEvent(started('b'));
    store.onRunEvent(
      finished('b', {
        status: 'error',
        error: {
          type: 'KeyError',
          message: "'x'",
          traceback: 'Traceback\n  File "/w/cells.py", line 4\n  File "/usr/lib/x.py", line 9\nKeyError',
          frames: [],
          stack: [
            { uri: 'file:///w/cells.py', line: 3, text: '', tracebackLine: 1 },
            { uri: 'file:///usr/lib/x.py', line: 8, text: '', tracebackLine: 2, library: true },
          ],
          interrupted: false,
        },
      }),
    );
    assert.equal(store.get('b')!.state, 'failed');
    assert.deepEqual(
      store.get('b')!.error!.links.map((l) => [l.tracebackLine, l.line]),
      [
        [1, 3],
        [2, 8],
      ],
    );
  });

  test('a progress bar redrawn with \\r is one line in its last state; the view applies the same changes', () => {
    const store = new RunStore();
    const view = new RunModel();
    store.onRunEvent(queued('p'));
    store.onRunEvent(started('p'));
    store.onLogEntries([line('p', 'downloading')]);
    mirror(store, view);
    for (const pct of [10, 50, 90]) {
      store.onLogEntries([line('p', `\r${pct}% |${'#'.repeat(pct / 10)}`, { partial: true })]);
      mirror(store, view);
    }
    store.onLogEntries([line('p', '\r100% |##########'), line('p', 'done'), line('p', 'oops', { stream: 'stderr' })]);
    mirror(store, view);
    assert.deepEqual(store.get('p')!.outputs, [
      { kind: 'stream', stream: 'stdout', lines: ['downloading', '100% |##########', 'done'], open: false },
      { kind: 'stream', stream: 'stderr', lines: ['oops'], open: false },
    ]);
    assert.deepEqual(view.runs.get('p'), store.get('p'));
  });

  test("a REPL run that fails shows its output once: the error's traceback is that output's tail", () => {
    const store = new RunStore();
    store.onRunEvent(queued('repl'));
    store.onRunEvent(started('repl'));
    store.onLogEntries([line('repl', 'hello'), line('repl', "ls: cannot access '/nonexistent': No such file or directory")]);
    store.onRunEvent(
      finished('repl', {
        status: 'error',
        error: {
          type: 'ExitStatus',
          message: 'exit status 2',
          traceback: "hello\nls: cannot access '/nonexistent': No such file or directory",
          frames: [],
          interrupted: false,
        },
      }),
    );
    assert.equal(store.get('repl')!.error!.traceback, '', 'the traceback repeats the output: left out');
    assert.equal(store.get('repl')!.error!.message, 'exit status 2');
    assert.equal(store.textOf('repl').match(/No such file/g)?.length, 1);
  });

  test("output no task claimed goes to the run executing then (a child process's), and displays to their run", () => {
    const store = new RunStore();
    store.onRunEvent(queued('c'));
    store.onRunEvent(started('c'));
    store.onLogEntries([line(undefined, 'from a child process')]);
    store.onDisplay({ gatewayId: 'gw0', runId: 'c', time: 0, data: { 'text/plain': 'fig', 'image/png': 'iVBORw0KGgo=' } });
    store.onRunEvent(finished('c', {}));
    store.onLogEntries([line(undefined, 'after the run: nobody’s')]);
    assert.deepEqual(
      store.get('c')!.outputs.map((o) => o.kind),
      ['stream', 'display'],
    );
    assert.deepEqual((store.get('c')!.outputs[0] as { lines: string[] }).lines, ['from a child process']);
  });

  test('memory stays bounded under a flood: a run keeps its newest lines, older runs lose their outputs first', () => {
    const limits = { maxRuns: 100, maxLinesPerRun: 1000, maxCharsPerRun: 64 * 1024, maxChars: 256 * 1024 };
    const store = new RunStore(limits);
    const view = new RunModel();
    for (let r = 0; r < 10; r++) {
      store.onRunEvent(queued(`r${r}`));
      store.onRunEvent(started(`r${r}`));
      store.onLogEntries(Array.from({ length: 200 }, (_, i) => line(`r${r}`, `old run ${r} line ${i} ${'x'.repeat(80)}`)));
      store.onRunEvent(finished(`r${r}`, {}));
    }
    store.onRunEvent(queued('flood'));
    store.onRunEvent(started('flood'));
    const chunk = 'y'.repeat(100);
    let sent = 0;
    for (let batch = 0; batch < 500; batch++) {
      store.onLogEntries(Array.from({ length: 200 }, (_, i) => line('flood', `${batch}:${i} ${chunk}`)));
      sent += 200 * 110;
      mirror(store, view);
    }
    assert.ok(sent > 10 * 1024 * 1024, 'more than 10 MiB went through');
    const size = (id: string) => store.get(id)!.outputs.reduce((n, o) => n + outputSize(o), 0);
    const total = store.runs().reduce((n, r) => n + size(r.id), 0);
    assert.ok(total <= limits.maxChars, `all outputs ${total} within ${limits.maxChars}`);
    assert.ok(size('flood') <= limits.maxCharsPerRun, 'the flooding run within its bound');
    const flood = store.get('flood')!;
    const lines = (flood.outputs[0] as { lines: string[] }).lines;
    assert.match(lines[lines.length - 1], /^499:199 /, 'the newest line is kept');
    assert.ok((flood.droppedLines ?? 0) > 90_000, 'the dropped lines are counted');
    assert.equal(store.get('r0')!.outputsDropped, true, 'the oldest run gave its output up');
    assert.deepEqual(view.runs.get('flood'), flood, "the view's copy matches");
  });

  test('beyond maxRuns the oldest runs go; restored runs that were queued or running no longer are', () => {
    const store = new RunStore({ ...DEFAULT_LIMITS, maxRuns: 100 });
    for (let r = 0; r < 150; r++) store.onRunEvent(queued(`n${r}`));
    assert.equal(store.runs().length, 100);
    assert.equal(store.runs()[0].id, 'n50');
    const view = mirror(store);
    assert.equal(view.runs.size, 100);

    const restored = new RunStore();
    const runs = JSON.parse(JSON.stringify(store.runs().slice(0, 2)));
    runs[1].state = 'running';
    restored.restore(runs);
    assert.deepEqual(
      restored.runs().map((r) => r.state),
      ['cancelled', 'interrupted'],
    );
  });

  test('1 GiB of output through one run leaves the memory where it was', () => {
    const store = new RunStore();
    store.onRunEvent(queued('gib'));
    store.onRunEvent(started('gib'));
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage().heapUsed;
    const text = 'z'.repeat(100);
    let sent = 0;
    for (let batch = 0; sent < 1024 ** 3; batch++) {
      const entries = Array.from({ length: 10_000 }, (_, i) => line('gib', `${batch}:${i} ${text}`));
      store.onLogEntries(entries);
      store.takeChanges();
      sent += entries.reduce((n, e) => n + e.text.length, 0);
    }
    (globalThis as { gc?: () => void }).gc?.();
    const grown = process.memoryUsage().heapUsed - before;
    assert.ok(grown < 64 * 1024 * 1024, `the heap grew by ${Math.round(grown / 1e6)} MB after 1 GiB`);
    assert.equal((store.get('gib')!.outputs[0] as { lines: string[] }).lines.length <= DEFAULT_LIMITS.maxLinesPerRun, true);
  });
});
