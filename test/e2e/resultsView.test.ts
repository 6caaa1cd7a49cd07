/**
 * The Remote Exec Results webview (dist/webview/results.js) in Debian's Chromium, outside VS Code: the
 * page has the CSP it has inside VS Code and a stand-in for `acquireVsCodeApi` recording what it posts.
 * The runs are what the extension's store sends. Needs `playwright-core` and /usr/bin/chromium.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunChange, RunEntry } from '../../contract/webviews';
import { CHROMIUM_ARGS } from '../helpers/vscode';
import { CHROMIUM, REPO, serveWebviews, VSCODE_API_STUB, type WebviewServer } from '../helpers/webviewHarness';

const shots = path.join(REPO, 'test-results', 'screenshots');
let playwright: typeof import('playwright-core') | undefined;
try {
  playwright = require('playwright-core');
} catch {
  playwright = undefined;
}
const skip = !playwright ? 'playwright-core is not installed' : !fs.existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : false;

/** A real figure and a real DataFrame, made by Debian's Python (matplotlib, pandas) when it has them. */
function richFixtures(): { png: string; width: number; height: number; table: string } {
  const script = [
    'import base64, io, json',
    'import matplotlib; matplotlib.use("agg")',
    'import matplotlib.pyplot as plt, pandas as pd',
    'fig, ax = plt.subplots(figsize=(5, 2.6)); ax.plot([0, 1, 2, 3], [1, 3, 2, 4], marker="o"); ax.set_title("throughput")',
    'buf = io.BytesIO(); fig.savefig(buf, format="png", dpi=200, bbox_inches="tight")',
    'df = pd.DataFrame({"host": ["a", "b", "c"], "ms": [1.5, 2.25, 3.0]})',
    'print(json.dumps({"png": base64.b64encode(buf.getvalue()).decode(), "table": df._repr_html_()}))',
  ].join('\n');
  try {
    const out = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' }));
    return { png: out.png, width: 500, height: 260, table: out.table };
  } catch {
    // A 1×1 PNG and a hand-written table keep the checks meaningful without matplotlib.
    return {
      png: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
      width: 40,
      height: 40,
      table:
        '<table class="dataframe"><thead><tr><th>host</th><th>ms</th></tr></thead><tbody><tr><td>a</td><td>1.5</td></tr></tbody></table>',
    };
  }
}

function run(id: string, extra: Partial<RunEntry> = {}): RunEntry {
  return {
    id,
    gatewayId: 'gw0',
    language: 'python',
    uri: 'file:///work/analysis.py',
    file: 'analysis.py',
    range: [0, 2],
    source: 'import time\nfor i in range(3):\n    print(i)\n',
    state: 'done',
    queuedAt: 1_700_000_000_000,
    startedAt: 1_700_000_000_010,
    finishedAt: 1_700_000_001_250,
    outputs: [],
    ...extra,
  };
}

describe('the Remote Exec Results webview in Chromium', { skip }, () => {
  let server: WebviewServer;
  let browser: import('playwright-core').Browser;
  const rich = richFixtures();

  before(async () => {
    execFileSync(process.execPath, [path.join(REPO, 'scripts/build.js'), '--no-types'], { cwd: REPO, stdio: 'inherit' });
    fs.mkdirSync(shots, { recursive: true });
    server = await serveWebviews();
    browser = await playwright!.chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    });
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  async function open(theme = 'dark', size = { width: 1000, height: 640 }) {
    const page = await browser.newPage({ viewport: size, deviceScaleFactor: 1 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/.test(m.text())) errors.push(m.text());
    });
    await page.addInitScript(VSCODE_API_STUB);
    await page.goto(`${server.origin}/?view=results&theme=${theme}`);
    await page.waitForFunction(() => (window as any).posted.some((m: any) => m.type === 'ready'));
    return { page, errors };
  }

  const post = (page: import('playwright-core').Page, message: unknown) =>
    page.evaluate((m) => window.postMessage(m, '*'), message as Record<string, unknown>);
  const posted = (page: import('playwright-core').Page) => page.evaluate(() => (window as any).posted as any[]);

  test('a run shows its place, folded code, coloured output, a plot, a table, its value; frames link to their lines', async () => {
    const { page, errors } = await open('dark');
    const runs: RunEntry[] = [
      run('r1', {
        label: 'cell 1',
        outputs: [{ kind: 'stream', stream: 'stdout', lines: ['0', '1', '\x1b[32mgreen\x1b[0m and \x1b[1;31mred\x1b[0m'], open: false }],
        value: { type: 'int', repr: '42' },
      }),
      run('r2', {
        label: 'cell 2',
        range: [4, 9],
        source: 'import matplotlib.pyplot as plt\nplt.plot([1, 3, 2, 4])\nplt.show()\n',
        outputs: [
          {
            kind: 'display',
            data: { 'text/plain': '<Figure size 500x260>', 'image/png': rich.png },
            metadata: { 'image/png': { width: rich.width, height: rich.height } },
          },
        ],
      }),
      run('r3', {
        label: 'cell 3',
        range: [11, 12],
        source: 'df = load()\ndf\n',
        outputs: [
          {
            kind: 'display',
            result: true,
            data: {
              'text/plain': '  host    ms',
              'text/html': `${rich.table}<script>window.pwned = 1</script><img src="https://example.com/x.png" onerror="window.pwned = 2">`,
            },
          },
        ],
        value: { type: 'pandas.core.frame.DataFrame', repr: '  host    ms' },
      }),
      run('r4', {
        label: 'cell 4',
        range: [14, 14],
        source: "json.loads('{')\n",
        state: 'failed',
        error: {
          type: 'JSONDecodeError',
          message: 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)',
          traceback:
            'Traceback (most recent call last):\n  File "/work/analysis.py", line 15, in <module>\n    json.loads(\'{\')\n  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads\n    return _default_decoder.decode(s)\njson.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)',
          links: [
            { tracebackLine: 1, uri: 'file:///work/analysis.py', line: 14 },
            { tracebackLine: 3, uri: 'file:///usr/lib/python3.11/json/__init__.py', line: 345 },
          ],
        },
      }),
      run('r7', {
        label: 'notes',
        range: [16, 16],
        source: 'show_notes()\n',
        outputs: [
          {
            kind: 'display',
            data: { 'text/plain': 'notes', 'text/markdown': '## Findings\n\n- **fast** path: `cache`\n- [docs](https://example.com)' },
          },
          { kind: 'display', data: { 'text/plain': 'E=mc^2', 'text/latex': '$E = mc^2$' } },
          { kind: 'display', data: { 'text/plain': '{}', 'application/json': { rows: 3, ok: true } } },
        ],
      }),
      run('r5', { label: 'cell 5', state: 'running', finishedAt: undefined, startedAt: Date.now(), source: 'train(model)\n' }),
      run('r6', { label: 'cell 6', state: 'queued', startedAt: undefined, finishedAt: undefined, source: 'evaluate(model)\n' }),
    ];
    await post(page, { type: 'reset', runs });
    await page.waitForSelector('.run[data-run-id="r6"]');
    await page.setViewportSize({ width: 1000, height: 1400 });
    await page.waitForSelector('.run[data-run-id="r7"]');
    assert.equal(await page.locator('.run').count(), 7);
    assert.match(await page.locator('.run[data-run-id="r2"] .where').innerText(), /^analysis\.py:5–10$/);
    assert.match(
      await page.locator('.run[data-run-id="r1"] .code').innerText(),
      /^import time {2}… \(3 lines\)$/,
      'the code is folded to its first line',
    );
    assert.equal(await page.locator('.run[data-run-id="r1"] .ansi-fg-2').innerText(), 'green');
    assert.equal(await page.locator('.run[data-run-id="r1"] pre.value').innerText(), '42');
    const img = page.locator('.run[data-run-id="r2"] .display img');
    await page.waitForFunction(() => (document.querySelector('.run[data-run-id="r2"] .display img') as HTMLImageElement)?.naturalWidth > 0);
    assert.equal(await img.getAttribute('width'), String(rich.width), 'drawn at its CSS size, sharp on dense screens');
    assert.ok((await page.locator('.run[data-run-id="r3"] .display table tbody tr').count()) >= 1, 'the DataFrame is a table');
    assert.equal(await page.locator('.run[data-run-id="r3"] pre.value').count(), 0, 'a rich result stands for the value');
    assert.equal(await page.locator('.run[data-run-id="r3"] script').count(), 0, 'scripts are removed');
    assert.equal(await page.locator('.run[data-run-id="r3"] img').count(), 1);
    assert.equal(await page.locator('.run[data-run-id="r3"] img').getAttribute('src'), null, 'a remote image loads nothing');
    assert.equal(await page.evaluate(() => (window as any).pwned), undefined);
    const notes = page.locator('.run[data-run-id="r7"] .display');
    assert.equal(await notes.nth(0).locator('h2').innerText(), 'Findings', 'Markdown is rendered');
    assert.equal(await notes.nth(0).locator('li strong').innerText(), 'fast');
    assert.equal(await notes.nth(0).locator('a').getAttribute('href'), 'https://example.com');
    assert.equal(await notes.nth(1).innerText(), '$E = mc^2$', 'LaTeX shows as its text');
    assert.deepEqual(JSON.parse(await notes.nth(2).innerText()), { rows: 3, ok: true });
    assert.match(await page.locator('.run[data-run-id="r5"] .status').innerText(), /running/);
    assert.equal(await page.locator('.run[data-run-id="r5"] button[data-action="interrupt"]').innerText(), 'Interrupt');
    assert.equal(await page.locator('.run[data-run-id="r6"] button[data-action="interrupt"]').innerText(), 'Cancel');
    await page.screenshot({ path: path.join(shots, 'results-view-dark.png') });

    await page.locator('.run[data-run-id="r4"] a.frame').nth(1).click();
    await page.locator('.run[data-run-id="r1"] pre.code').click();
    await page.locator('.run[data-run-id="r2"] .display').hover();
    await page.locator('.run[data-run-id="r2"] .image-save').click();
    await page.locator('.run[data-run-id="r5"] button[data-action="interrupt"]').click();
    const messages = await posted(page);
    assert.deepEqual(
      messages.find((m) => m.type === 'open'),
      { type: 'open', uri: 'file:///usr/lib/python3.11/json/__init__.py', line: 345 },
      'a library frame opens its file at its line',
    );
    assert.deepEqual(
      messages.find((m) => m.type === 'saveImage'),
      { type: 'saveImage', runId: 'r2', output: 0 },
    );
    assert.deepEqual(
      messages.find((m) => m.type === 'interrupt'),
      { type: 'interrupt', runId: 'r5', gatewayId: 'gw0' },
    );
    await page.waitForFunction(() => document.querySelector('.run[data-run-id="r1"] pre.code:not(.folded)'));
    assert.match(await page.locator('.run[data-run-id="r1"] pre.code').innerText(), /for i in range\(3\):\n {4}print\(i\)/);
    assert.deepEqual((await page.evaluate(() => (window as any).savedState)).codeShown, ['r1'], 'the folding is kept for a reload');
    assert.deepEqual(errors, [], 'no errors and no CSP refusals');
    await page.close();

    const light = await open('light');
    await post(light.page, { type: 'reset', runs });
    await light.page.waitForFunction(
      () => (document.querySelector('.run[data-run-id="r2"] .display img') as HTMLImageElement)?.naturalWidth > 0,
    );
    await light.page.screenshot({ path: path.join(shots, 'results-view-light.png') });
    await light.page.close();
  });

  test('output streamed in changes: a \\r progress bar redrawn in place, lines appended, a run finishing', async () => {
    const { page, errors } = await open('dark', { width: 900, height: 300 });
    await post(page, { type: 'reset', runs: [run('s', { state: 'running', finishedAt: undefined })] });
    const changes: RunChange[][] = [
      [{ op: 'lines', runId: 's', stream: 'stdout', lines: ['epoch 1'], open: false, replaceOpen: false }],
      [{ op: 'lines', runId: 's', stream: 'stdout', lines: [' 10% |#         |'], open: true, replaceOpen: false }],
      [{ op: 'lines', runId: 's', stream: 'stdout', lines: [' 70% |#######   |'], open: true, replaceOpen: true }],
      [
        { op: 'lines', runId: 's', stream: 'stdout', lines: ['100% |##########|', 'saved'], open: false, replaceOpen: true },
        { op: 'lines', runId: 's', stream: 'stderr', lines: ['warning: slow disk'], open: false, replaceOpen: false },
        { op: 'run', run: { ...run('s'), state: 'done', value: { type: 'float', repr: '0.93' } } },
      ],
    ];
    for (const batch of changes) await post(page, { type: 'changes', changes: batch });
    await page.waitForFunction(() => document.querySelector('.run[data-run-id="s"] .status')?.textContent === 'done');
    assert.equal(await page.locator('.run[data-run-id="s"] pre.stdout').innerText(), 'epoch 1\n100% |##########|\nsaved');
    assert.equal(await page.locator('.run[data-run-id="s"] pre.stderr').innerText(), 'warning: slow disk');
    assert.equal(await page.locator('.run[data-run-id="s"] pre.value').innerText(), '0.93');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('10,000 runs and a flood of output keep the DOM to a screenful, the newest run in view and scrolling quick', async () => {
    const { page, errors } = await open('dark', { width: 1000, height: 700 });
    await post(page, { type: 'reset', runs: [] });
    // 10,000 runs, then 1 GiB of lines streamed into the last one as the store sends them: 10,000-line
    // batches, each followed by the store's drop of what is over its 5,000-line bound.
    const took = await page.evaluate(async () => {
      const started = performance.now();
      const base = { gatewayId: 'gw0', language: 'python', file: 'load.py', source: 'step()\n', queuedAt: 0, startedAt: 0, finishedAt: 40 };
      for (let chunk = 0; chunk < 10; chunk++) {
        const changes = [];
        for (let i = 0; i < 1000; i++) {
          const id = `bulk${chunk * 1000 + i}`;
          changes.push({ op: 'run', run: { ...base, id, range: [i, i], state: 'done' } });
          changes.push({
            op: 'lines',
            runId: id,
            stream: 'stdout',
            lines: [`run ${chunk * 1000 + i} says hello`],
            open: false,
            replaceOpen: false,
          });
        }
        window.postMessage({ type: 'changes', changes }, '*');
        await new Promise((r) => setTimeout(r, 0));
      }
      window.postMessage(
        { type: 'changes', changes: [{ op: 'run', run: { ...base, id: 'flood', state: 'running', finishedAt: undefined } }] },
        '*',
      );
      const text = 'x'.repeat(100);
      let chars = 0;
      for (let batch = 0; chars < 1024 ** 3; batch++) {
        const lines = new Array(10_000);
        for (let i = 0; i < lines.length; i++) lines[i] = `${batch}:${i} ${text}`;
        chars += lines.length * 108;
        const changes: unknown[] = [{ op: 'lines', runId: 'flood', stream: 'stdout', lines, open: false, replaceOpen: false }];
        if (batch > 0) changes.push({ op: 'drop', runId: 'flood', lines: 10_000 });
        window.postMessage({ type: 'changes', changes }, '*');
        if (batch % 50 === 0) await new Promise((r) => requestAnimationFrame(r));
      }
      await new Promise((r) => setTimeout(r, 0));
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - started;
    });
    const debug = await page.evaluate(() => ({ drawn: (window as any).resultsDebug.drawn(), runs: (window as any).resultsDebug.runs() }));
    assert.equal(debug.runs, 10_001);
    assert.ok(debug.drawn > 0 && debug.drawn < 60, `only the runs near the view are in the DOM: ${debug.drawn}`);
    const last = page.locator('.run').last();
    assert.equal(await last.getAttribute('data-run-id'), 'flood', 'following the newest run');
    assert.match(await last.locator('.note').first().innerText(), /^[\d,]{9,} earlier lines dropped/, 'what the store dropped is counted');
    assert.equal(await last.locator('.note', { hasText: 'more lines above' }).count(), 1, 'a long output shows its last lines');
    const shownLines = (await last.locator('pre.stdout').innerText()).split('\n');
    assert.equal(shownLines.length, 400);
    assert.match(shownLines[shownLines.length - 1], /:9999 x+$/);
    const memory = await page.evaluate(() => (performance as any).memory?.usedJSHeapSize ?? 0);
    if (memory) assert.ok(memory < 256 * 1024 * 1024, `the page's heap after 1 GiB: ${Math.round(memory / 1e6)} MB`);

    // Scrolling to the top draws the first runs and stops following.
    await page.locator('.scroller').evaluate((el) => (el.scrollTop = 0));
    await page.waitForSelector('.run[data-run-id="bulk0"]');
    assert.ok((await page.evaluate(() => (window as any).resultsDebug.drawn())) < 60);
    assert.equal((await page.evaluate(() => (window as any).savedState)).follow, false);
    console.log(`# 10,000 runs and 1 GiB of output applied in ${Math.round(took)} ms; heap ${Math.round(memory / 1e6)} MB`);
    await page.screenshot({ path: path.join(shots, 'results-view-10000-runs.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
