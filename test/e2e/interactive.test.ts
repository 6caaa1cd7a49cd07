/**
 * The interactive workflow in a real VS Code (the packaged extension in code-server's VS Code, driven in
 * Chromium), as a data scientist uses it: a file of `# %%` cells run through the CodeLens and with Run
 * Cell and Advance (Shift+Enter), the Remote Exec Results view showing each run's code, streamed output
 * and value, a matplotlib plot and a pandas DataFrame; input() answered in an input box; two runs queued
 * and the first interrupted; a traceback frame in a library opened at its line. The workspace has a
 * `.venv` made from Debian's Python (which has matplotlib and pandas), which the interpreter choice
 * finds. Screenshots go to test-results/screenshots/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { e2eAvailable, runFromPalette, screenshot, SCREENSHOTS, startPackagedWorkbench, type PackagedWorkbench } from '../helpers/vscode';
import { eventually } from '../helpers/eventually';

const CELLS_PY = [
  '# %% Greet', // 0
  'import os, sys', // 1
  'print("hello from cell 1")', // 2
  'print("cwd", os.getcwd())', // 3
  'print("prefix", sys.prefix)', // 4
  'answer = 6 * 7', // 5
  'answer', // 6
  '', // 7
  '# %% Plot', // 8
  'import matplotlib.pyplot as plt', // 9
  'plt.plot([1, 4, 2, 5], marker="o")', // 10
  'plt.title("drawn by cell 2")', // 11
  'plt.show()', // 12
  '', // 13
  '# %% Table', // 14
  'import pandas as pd', // 15
  'pd.DataFrame({"n": [1, 2, 3], "square": [1, 4, 9]})', // 16
  '',
].join('\n');

const ASK_PY = ['name = input("What is your name? ")', 'print("hello", name)', ''].join('\n');
const SLOW_PY = ['import time', 'for tick in range(1200):', '    time.sleep(0.05)', '', 'after_the_slow_one = "ran"', ''].join('\n');
const BROKEN_PY = ['import json', '', 'json.loads("{")', ''].join('\n');

const DEPS = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import matplotlib, pandas, venv']);
    return undefined;
  } catch {
    return "Debian's python3-matplotlib, python3-pandas and python3-venv are missing: run bash scripts/setup-e2e.sh";
  }
})();

/** The results webview's frame (webviews live two iframes deep). */
async function resultsFrame(page: Page): Promise<Frame> {
  return eventually('the Remote Exec Results view', async () => {
    for (const frame of page.frames()) {
      if (frame.isDetached()) continue;
      if (await frame.$('[data-view="results"]').catch(() => null)) return frame;
    }
    return undefined;
  });
}

interface RunInfo {
  id: string;
  where: string;
  status: string;
  code: string;
  text: string;
  images: number;
  tables: number;
}

async function runsShown(frame: Frame): Promise<RunInfo[]> {
  return frame.$$eval('.run', (nodes) =>
    nodes.map((n) => {
      const el = n as HTMLElement;
      return {
        id: el.dataset.runId ?? '',
        where: el.querySelector('.where')?.textContent ?? '',
        status: el.querySelector('.status')?.textContent ?? '',
        code: el.querySelector('pre.code')?.textContent ?? '',
        text: (el.querySelector('.outputs') as HTMLElement | null)?.innerText ?? '',
        images: Array.from(el.querySelectorAll('.display img')).filter((i) => (i as HTMLImageElement).naturalWidth > 0).length,
        tables: el.querySelectorAll('.display table').length,
      };
    }),
  );
}

async function openFile(page: Page, name: string, firstLine?: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input.input');
  await input.fill(name);
  // The list filters as it is typed into: Enter only once the first row is the file.
  await eventually(`${name} first in Quick Open`, async () =>
    ((await page.locator('.quick-input-list .monaco-list-row').first().innerText()) ?? '').includes(name),
  );
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 15000 });
  if (firstLine) await page.locator('.monaco-editor .view-line', { hasText: firstLine }).first().waitFor({ timeout: 15000 });
}

/** Clicks a line of the active editor (its text), putting the cursor there. */
async function clickLine(page: Page, text: string | RegExp): Promise<void> {
  await page.locator('.editor-instance .monaco-editor .view-line', { hasText: text }).first().click();
}

/** The pids of this workbench's `remote-exec server --stdio` (its extension folder's cli.js). */
function serverPids(root: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes(path.join(root, 'extensions')) && / server\b/.test(l) && l.includes('cli.js'))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

/** The cursor's line (1-based) as the status bar says it. */
async function cursorLine(page: Page): Promise<number> {
  const text = await page.locator('.statusbar-item[id="status.editor.selection"]').innerText();
  return Number(/Ln (\d+)/.exec(text)?.[1]);
}

describe('the interactive workflow in VS Code in Chromium', { skip: e2eAvailable() ?? DEPS }, () => {
  let workbench: PackagedWorkbench | undefined;
  let page: Page;

  before(async () => {
    workbench = await startPackagedWorkbench({
      files: {
        'cells.py': CELLS_PY,
        'ask.py': ASK_PY,
        'slow.py': SLOW_PY,
        'broken.py': BROKEN_PY,
        'notes.md': '# Notes\n\nNo code here.\n',
      },
      settings: { 'editor.codeLens': true, 'workbench.panel.defaultLocation': 'bottom' },
    });
    // The interpreter choice finds the workspace's .venv (made from Debian's Python, which has matplotlib).
    const venv = path.join(workbench.server.workspace, '.venv');
    execFileSync('/usr/bin/python3', ['-m', 'venv', '--system-site-packages', '--without-pip', venv]);
    page = workbench.page;
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    await workbench?.stop();
  });

  const step = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      await screenshot(page, `interactive-failure-${name}`).catch(() => undefined);
      throw err;
    }
  };

  test('opening a Python file starts no server; the first run does', async () => {
    await step('activation', async () => {
      await workbench!.open();
      await openFile(page, 'cells.py', '# %% Greet');
      // The extension activates for Python files (its CodeLens shows) and starts nothing.
      await page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Run Cell' }).first().waitFor({ timeout: 30000 });
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(serverPids(workbench!.server.root), [], 'no remote-exec server before the first run');
      await screenshot(page, 'interactive-cells-codelens');
    });
  });

  test("Run Cell from the CodeLens shows the run's code, output and value in Remote Exec Results, from the .venv in the workspace folder", async () => {
    await step('codelens', async () => {
      await page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Run Cell' }).first().click();
      const frame = await resultsFrame(page);
      const [run] = await eventually('the first run done', async () => {
        const runs = await runsShown(frame);
        return runs.length === 1 && runs[0].status === 'done' ? runs : undefined;
      });
      assert.match(run.where, /^cells\.py:1–7$/);
      assert.match(run.code, /^# %% Greet/, 'the code that ran, folded to its first line');
      assert.match(run.text, /hello from cell 1/);
      assert.match(
        run.text,
        new RegExp(`cwd ${workbench!.server.workspace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
        'started in the workspace folder',
      );
      assert.match(run.text, /prefix .*\/\.venv/, "the workspace's .venv is the interpreter");
      assert.match(run.text, /42$/, 'the value of the last expression');
      assert.ok(serverPids(workbench!.server.root).length === 1, 'the run started the server');
      const status = await page
        .locator('.statusbar-item', { hasText: /gw\d+:/ })
        .first()
        .innerText();
      assert.match(status, /\.venv/, `the status bar names the interpreter: ${status}`);

      // Open Gateway lists the interpreters found, the current one marked.
      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget input.input').fill('>Remote Exec: Open Gateway');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open Gateway' }).first().waitFor({ timeout: 15000 });
      await page.keyboard.press('Enter');
      const current = page.locator('.quick-input-list .monaco-list-row', { hasText: 'current' });
      await current.first().waitFor({ timeout: 15000 });
      assert.match(await current.first().innerText(), /\.venv/);
      const labels = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
      assert.ok(labels.some((l) => /Node\.js/.test(l)) && labels.some((l) => /python3/.test(l)), labels.join(' | '));
      await screenshot(page, 'interactive-open-gateway');
      await page.keyboard.press('Escape');
    });
  });

  test('Shift+Enter runs a cell and moves to the next: a matplotlib plot shows as an image, a DataFrame as a table', async () => {
    await step('advance', async () => {
      await clickLine(page, 'import matplotlib.pyplot as plt');
      await page.keyboard.press('Shift+Enter');
      await eventually('the cursor on the next cell', async () => (await cursorLine(page)) === 16);
      await page.keyboard.press('Shift+Enter');
      const frame = await resultsFrame(page);
      const runs = await eventually(
        'the plot and the table shown',
        async () => {
          const shown = await runsShown(frame);
          return shown.length === 3 && shown[1].images === 1 && shown[2].tables === 1 ? shown : undefined;
        },
        60000,
      );
      assert.match(runs[1].where, /^cells\.py:9–13$/);
      assert.equal(runs[1].status, 'done');
      assert.match(runs[2].text, /square/);
      // After the last cell a new one is added, as in the Jupyter extension.
      await page.locator('.monaco-editor .view-line', { hasText: '# %%' }).last().waitFor();
      await frame.$eval('.run:nth-last-child(2)', (el) => el.scrollIntoView());
      await screenshot(page, 'interactive-results-plot');
      const shot = path.join(SCREENSHOTS, 'interactive-results-plot.png');
      assert.ok(fs.statSync(shot).size > 10_000);
    });
  });

  test('a plot is saved from its Save… button, as the PNG it is', async () => {
    await step('save-image', async () => {
      const frame = await resultsFrame(page);
      const display = frame.locator('.run .display', { has: frame.locator('img') }).first();
      await display.scrollIntoViewIfNeeded();
      await display.hover();
      await display.locator('.image-save').click();
      const input = page.locator('.quick-input-widget input.input');
      await eventually('the save dialog names plot.png', async () => /plot\.png$/.test(await input.inputValue()));
      await page.keyboard.press('Enter');
      const saved = path.join(workbench!.server.workspace, 'plot.png');
      await eventually('plot.png written', async () => fs.existsSync(saved) && fs.statSync(saved).size > 1000);
      assert.equal(fs.readFileSync(saved).subarray(1, 4).toString('latin1'), 'PNG');
    });
  });

  test('input() asks in an input box; the answer reaches the code', async () => {
    await step('input', async () => {
      await openFile(page, 'ask.py', 'name = input');
      await clickLine(page, 'name = input');
      // Ctrl+Alt+Enter: the palette would race with the input box for the quick input widget.
      await page.keyboard.press('Control+Alt+Enter');
      const box = page.locator('.quick-input-widget');
      await box
        .locator('.quick-input-message, .quick-input-title', { hasText: /What is your name\?|input/ })
        .first()
        .waitFor({ timeout: 30000 });
      await screenshot(page, 'interactive-input-box');
      await page.locator('.quick-input-widget input.input').fill('Ada');
      await page.keyboard.press('Enter');
      await clickLine(page, 'print("hello", name)');
      await runFromPalette(page, 'Remote Exec: Run Selection');
      const frame = await resultsFrame(page);
      await eventually('hello Ada', async () => (await runsShown(frame)).some((r) => /hello Ada/.test(r.text)));
      assert.ok(
        (await runsShown(frame)).some((r) => /What is your name\? Ada/.test(r.text)),
        'the question and its answer in the transcript',
      );
    });
  });

  test('a second run waits for the first; Interrupt stops the first and the second runs', async () => {
    await step('queue', async () => {
      await openFile(page, 'slow.py', 'import time');
      await clickLine(page, 'for tick in range(1200)');
      await page.keyboard.press('Control+Home');
      await page.keyboard.press('Shift+ArrowDown');
      await page.keyboard.press('Shift+ArrowDown');
      await page.keyboard.press('Shift+End');
      await runFromPalette(page, 'Remote Exec: Run Selection');
      const frame = await resultsFrame(page);
      await eventually('the slow run running', async () =>
        (await runsShown(frame)).some((r) => /slow\.py:1–3/.test(r.where) && r.status === 'running'),
      );
      await clickLine(page, 'after_the_slow_one');
      await runFromPalette(page, 'Remote Exec: Run Selection');
      await eventually('the second run queued', async () =>
        (await runsShown(frame)).some((r) => /slow\.py:5$/.test(r.where) && r.status === 'queued'),
      );
      await eventually('the status bar counts it', async () =>
        /1 queued/.test(
          await page
            .locator('.statusbar-item', { hasText: /gw\d+:/ })
            .first()
            .innerText(),
        ),
      );
      await screenshot(page, 'interactive-queued');
      await runFromPalette(page, 'Remote Exec: Interrupt');
      const runs = await eventually('the first interrupted, the second done', async () => {
        const shown = await runsShown(frame);
        const slow = shown.find((r) => /slow\.py:1–3/.test(r.where));
        const after = shown.find((r) => /slow\.py:5$/.test(r.where));
        return slow?.status === 'interrupted' && after?.status === 'done' ? [slow, after] : undefined;
      });
      assert.equal((runs[0].text.match(/KeyboardInterrupt/g) ?? []).length >= 1, true);
    });
  });

  test("a traceback's library frame opens its file at its line", async () => {
    await step('traceback', async () => {
      await openFile(page, 'broken.py', 'import json');
      await page.keyboard.press('Control+A');
      await runFromPalette(page, 'Remote Exec: Run Selection');
      const frame = await resultsFrame(page);
      const link = await eventually('a linked library frame', async () => {
        const links = await frame.$$('.run.state-failed a.frame');
        for (const a of links) if (/decoder\.py", line \d+/.test((await a.textContent()) ?? '')) return a;
        return undefined;
      });
      const line = Number(/line (\d+)/.exec((await link.textContent()) ?? '')?.[1]);
      await screenshot(page, 'interactive-traceback');
      await link.click();
      await page.locator('.tab.active', { hasText: 'decoder.py' }).waitFor({ timeout: 15000 });
      await eventually(`the cursor on line ${line}`, async () => (await cursorLine(page)) === line);
      await screenshot(page, 'interactive-library-frame');
    });
  });

  test('the status bar shows nothing for a language with no gateway; the server logs no normal line as an error', async () => {
    await step('status-and-log', async () => {
      await openFile(page, 'notes.md', 'No code here.');
      await eventually(
        'no gateway item',
        async () => (await page.locator('.statusbar-item', { hasText: /gw\d+:|not started/ }).count()) === 0,
      );
      await openFile(page, 'cells.py');
      await page
        .locator('.statusbar-item', { hasText: /gw\d+:/ })
        .first()
        .waitFor({ timeout: 15000 });
      // The command asks which channel in a second list, in the same widget.
      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget input.input').fill('>Output: Show Output Channels');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Show Output Channels' }).first().waitFor({ timeout: 15000 });
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Remote Exec Server' }).first().click();
      const lines = await eventually('the server output', async () => {
        // Monaco draws spaces as non-breaking ones.
        const texts = (await page.locator('.panel .monaco-editor .view-line').allInnerTexts()).map((t) => t.replace(/\u00a0/g, ' '));
        return texts.some((t) => /listening on stdio/.test(t)) ? texts : undefined;
      });
      const normal = lines.filter((l) => /opened gateway|listening on stdio/.test(l));
      assert.ok(normal.length > 0);
      for (const line of normal) assert.doesNotMatch(line, /\[error\]/, `a normal line: ${line}`);
      await screenshot(page, 'interactive-server-output');
    });
  });

  test('a plot in the results view, the panel maximized (the README picture)', async () => {
    await step('readme', async () => {
      await openFile(page, 'cells.py');
      await runFromPalette(page, 'View: Toggle Maximized Panel');
      await runFromPalette(page, 'Remote Exec: Show Results');
      const frame = await resultsFrame(page);
      await frame.$eval('.run:nth-last-child(1)', (el) => el.scrollIntoView());
      const plot = await eventually('the plot', async () => {
        for (const run of await frame.$$('.run')) if (await run.$('.display img')) return run;
        return undefined;
      });
      await plot.scrollIntoViewIfNeeded();
      await frame.$eval('.scroller', (el) => (el.scrollTop = Math.max(0, el.scrollTop - 40)));
      await new Promise((r) => setTimeout(r, 300));
      await screenshot(page, 'interactive-readme-plot');
    });
  });

  test('after a window reload the results are back; Collapse All and Clear act on them', async () => {
    await step('reload', async () => {
      // The list draws only the runs near the view: count what it holds, not what is in the DOM.
      const count = (frame: Frame) => frame.evaluate(() => (window as unknown as { resultsDebug: { runs(): number } }).resultsDebug.runs());
      const before = await count(await resultsFrame(page));
      assert.ok(before >= 8, `runs before the reload: ${before}`);
      // Keys typed in a webview stay there: the palette is opened from the explorer.
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'notes.md' }).first().click();
      await runFromPalette(page, 'View: Toggle Maximized Panel');
      // Saved a moment after the last change; then reloaded as a user would.
      await new Promise((r) => setTimeout(r, 2500));
      const reloaded = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 60000 });
      await runFromPalette(page, 'Developer: Reload Window');
      await reloaded;
      await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
      const frame = await resultsFrame(page);
      let restored = -1;
      await eventually('the runs restored', async () => (restored = await count(frame)) === before, 60000).catch((err: Error) => {
        throw new Error(`${err.message}: ${restored} of ${before}`);
      });
      await frame.$eval('.scroller', (el) => (el.scrollTop = 0));
      const runs = await eventually('the first runs drawn', async () => {
        const shown = await runsShown(frame);
        return shown.some((r) => r.images === 1) ? shown : undefined;
      });
      assert.ok(
        runs.some((r) => r.where === 'cells.py:9–13' && r.images === 1),
        'the plot is back',
      );
      assert.deepEqual(serverPids(workbench!.server.root), [], 'restoring the view starts no server');
      await screenshot(page, 'interactive-restored');

      await page.locator('.composite.title').locator('[aria-label="Collapse All Results"]').first().click();
      await eventually('every output folded', async () => (await frame.$$('.run .outputs')).length === 0);
      await page.locator('.composite.title').locator('[aria-label="Clear Results"]').first().click();
      await frame.locator('.empty', { hasText: 'No runs yet' }).waitFor({ timeout: 15000 });
    });
  });

  test('the walkthrough: open a gateway, run a line, see a plot, explore objects', async () => {
    await step('walkthrough', async () => {
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'notes.md' }).first().click();
      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget input.input').fill('>Welcome: Open Walkthrough');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open Walkthrough' }).first().waitFor({ timeout: 15000 });
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get started with Remote Exec' }).first().click();
      for (const step of ['Open a gateway', 'Run a line', 'See a plot', 'Explore the objects'])
        await page.locator('.getting-started-step', { hasText: step }).first().waitFor({ timeout: 30000 });
      await screenshot(page, 'interactive-walkthrough');
    });
  });
});
