/**
 * The variables explorer, the data viewer, hovers and completions in a real VS Code (the packaged
 * extension in code-server's VS Code, driven in Chromium) on Debian's Python with pandas and numpy: the
 * explorer shows `19.0` and `list · len 10000`, pages past item 100, a DataFrame opens in the data
 * viewer and scrolls to its last row, sorts and filters, and follows a run that changes it; hovering a
 * variable shows its value and `frame.` completes with the live frame's attributes. Screenshots go to
 * test-results/screenshots/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Frame, Locator, Page } from 'playwright-core';
import { e2eAvailable, runFromPalette, screenshot, SCREENSHOTS, startPackagedWorkbench, type PackagedWorkbench } from '../helpers/vscode';
import { eventually } from '../helpers/eventually';

const PYTHON = '/usr/bin/python3';

const EXPLORE_PY = [
  'import numpy as np',
  'import pandas as pd',
  'ratio = 19.0',
  'flag = True',
  'numbers = list(range(10_000))',
  "frame = pd.DataFrame({'x': np.arange(1_000_000), 'y': np.arange(1_000_000) % 1000 * 0.25, 'label': np.where(np.arange(1_000_000) % 2, 'odd', 'even')})",
  'grid = np.arange(12.0).reshape(3, 4)',
  "config = {'depth': 3, 'name': 'demo'}",
  '',
].join('\n');

const SHRINK_PY = ['frame = frame.head(10)', ''].join('\n');
/** A run whose value is an object (not plain data): the explorer holds it for the inline result. */
const SHOW_PY = ['frame', ''].join('\n');
const NODE_JS = ['const answer = 6 * 7;', ''].join('\n');

function pandasMissing(): string | undefined {
  try {
    execFileSync(PYTHON, ['-c', 'import pandas, numpy'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${PYTHON} has no pandas/numpy: run bash scripts/setup-e2e.sh`;
  }
}

async function openFile(page: Page, name: string, firstLine: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input.input');
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor .view-line', { hasText: firstLine }).first().waitFor({ timeout: 15000 });
  await page.locator('.monaco-editor .view-line', { hasText: firstLine }).first().click();
}

/** A row of the Remote Objects explorer whose label is `label` (and whose text has `text`). */
function treeRow(page: Page, label: string | RegExp, text?: string | RegExp): Locator {
  const rows = page.locator('.part.sidebar .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: label }) });
  return (text ? rows.filter({ hasText: text }) : rows).first();
}

/** Scrolls the explorer with the mouse wheel until `row` is drawn (the tree draws only the rows in view). */
async function scrollTo(page: Page, row: Locator): Promise<void> {
  const list = page.locator('.part.sidebar .monaco-list').first();
  const box = (await list.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (const step of [400, -400]) {
    for (let i = 0; i < 60 && !(await row.isVisible()); i++) {
      await page.mouse.wheel(0, step);
      await page.waitForTimeout(60);
    }
  }
  await row.waitFor({ timeout: 5000 });
}

/**
 * Expands (or folds) a tree row by clicking it, as often as it takes: a click that lands while the
 * explorer redraws for a notification meets the row being replaced.
 */
async function setExpanded(row: Locator, expanded: boolean): Promise<void> {
  await eventually(`${expanded ? 'expanded' : 'folded'} row`, async () => {
    if ((await row.getAttribute('aria-expanded')) === String(expanded)) return true;
    await row.click();
    await new Promise((r) => setTimeout(r, 300));
    return (await row.getAttribute('aria-expanded')) === String(expanded);
  });
}

/** The frame of the webview whose page has `selector` (webviews live two iframes deep). */
async function webviewFrame(page: Page, selector: string): Promise<Frame> {
  return eventually(`a webview showing ${selector}`, async () => {
    for (const frame of page.frames()) {
      if (frame.isDetached()) continue;
      if (await frame.$(selector).catch(() => null)) return frame;
    }
    return undefined;
  });
}

describe(
  'variables explorer, data viewer, hovers and completions in VS Code in Chromium',
  { skip: e2eAvailable() ?? pandasMissing() },
  () => {
    let workbench: PackagedWorkbench | undefined;

    before(async () => {
      workbench = await startPackagedWorkbench({
        files: { 'explore.py': EXPLORE_PY, 'shrink.py': SHRINK_PY, 'show.py': SHOW_PY, 'node.js': NODE_JS },
        // Restart's confirmation is a modal dialog: the workbench must be allowed to show it.
        dialogs: true,
        settings: {
          'remoteExec.languageGateways': { python: `popen//python=${PYTHON}` },
          'workbench.colorTheme': 'Default Dark Modern',
          'editor.hover.delay': 200,
        },
      });
    });

    after(async () => {
      await workbench?.stop();
    });

    test("the explorer shows the agent's reprs and sizes, pages past item 100; a frame opens in the data viewer; hovers and completions are live", async () => {
      const { page } = workbench!;
      await workbench!.open();
      try {
        await openFile(page, 'explore.py', 'import numpy as np');
        await page.keyboard.press('Control+A');
        await runFromPalette(page, 'Remote Exec: Run Selection');

        // The explorer: the agent's own reprs, Jupyter's type · size. Widened as a user reading values would.
        await page.locator('.activitybar .action-item a[aria-label^="Remote Exec"]').first().click();
        const sidebar = (await page.locator('.part.sidebar').boundingBox())!;
        await page.mouse.move(sidebar.x + sidebar.width + 1, sidebar.y + 300);
        await page.mouse.down();
        await page.mouse.move(sidebar.x + sidebar.width + 240, sidebar.y + 300, { steps: 8 });
        await page.mouse.up();
        await treeRow(page, 'ratio', 'float · 19.0').waitFor({ timeout: 60000 });
        await treeRow(page, 'numbers', 'list · len 10000').waitFor();
        await treeRow(page, 'frame', 'DataFrame · 1000000 × 3').waitFor();
        await treeRow(page, 'grid', 'ndarray · (3, 4) float64').waitFor();
        await treeRow(page, 'flag', 'bool · True').waitFor();
        assert.equal(await treeRow(page, 'np').count(), 0, 'modules are hidden, as in Jupyter');
        await screenshot(page, 'variables-explorer');

        // Type to filter by name (the agent filters); show modules; clear.
        await page.locator('.part.sidebar .action-label[aria-label="Filter Variables…"]').first().click();
        await page.locator('.quick-input-widget input.input').fill('ra');
        await eventually('only the names holding "ra"', async () => (await treeRow(page, 'numbers').count()) === 0);
        await treeRow(page, 'ratio').waitFor();
        await treeRow(page, 'frame').waitFor();
        await page.keyboard.press('Enter');
        await treeRow(page, 'Variables', '“ra”').waitFor();
        await screenshot(page, 'variables-filtered');
        await runFromPalette(page, 'Remote Exec: Clear Variable Filters');
        await treeRow(page, 'numbers').waitFor();
        await page.keyboard.press('F1');
        await page.locator('.quick-input-widget input.input').fill('>Remote Exec: Show in Variables');
        await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Show in Variables' }).first().waitFor();
        await page.keyboard.press('Enter');
        await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Modules' }).click();
        await page.keyboard.press('Enter');
        await treeRow(page, 'np', 'module').waitFor();
        await runFromPalette(page, 'Remote Exec: Clear Variable Filters');
        await eventually('modules hidden again', async () => (await treeRow(page, 'np').count()) === 0);

        // A list expands into its items, 100 at a time.
        await setExpanded(treeRow(page, 'numbers'), true);
        await treeRow(page, /^0$/, 'int · 0').waitFor();
        const more = page.locator('.part.sidebar .monaco-list-row', { hasText: 'load more… (100 of 10,000)' });
        await scrollTo(page, more);
        await more.click();
        await scrollTo(page, page.locator('.part.sidebar .monaco-list-row', { hasText: 'load more… (200 of 10,000)' }));
        await treeRow(page, /^199$/, 'int · 199').waitFor();
        await screenshot(page, 'variables-paged');
        // Back to the top of the explorer, as a keyboard user would, and the list folded again.
        await treeRow(page, /^199$/).click();
        await page.keyboard.press('Home');
        await setExpanded(treeRow(page, 'numbers'), false);
        await setExpanded(treeRow(page, 'config'), true);
        await treeRow(page, "'name'", "str · len 4 · 'demo'").waitFor();

        // Hovering a variable in the editor shows its live value.
        await page.locator('.monaco-editor .view-line', { hasText: 'ratio = 19.0' }).first().waitFor();
        const line = page.locator('.monaco-editor .view-line', { hasText: 'ratio = 19.0' }).first();
        // A long line run before may have left the editor scrolled sideways, the name out of view: the
        // editor scrolled back to its left edge first (with the wheel: moving the cursor does not).
        // The wheel is turned over the empty lines below the text (clear of the horizontal scrollbar,
        // where a sideways turn did not always scroll), again until the name is in view.
        const text = (await page.locator('.monaco-editor .editor-scrollable').first().boundingBox())!;
        await page.mouse.move(text.x + text.width / 2, text.y + text.height / 2);
        await eventually('the editor is scrolled back to the left', async () => {
          await page.mouse.wheel(-100000, 0);
          const name = await line.locator('span span').first().boundingBox();
          return name !== null && name.x >= text.x;
        });
        const start = (await line.locator('span span').first().boundingBox())!;
        await page.mouse.move(start.x + 6, start.y + start.height / 2);
        const hover = page.locator('.monaco-hover', { hasText: '19.0' }).first();
        await hover.waitFor({ timeout: 15000 });
        const box = (await line.boundingBox())!;
        assert.match(await hover.innerText(), /ratio[\s\S]*float[\s\S]*19\.0/);
        await screenshot(page, 'variables-hover');
        await page.mouse.move(box.x + box.width + 300, box.y + 200);

        // `frame.sh` completes with the live frame's attributes.
        await page.locator('.monaco-editor .view-line', { hasText: 'config = ' }).first().click();
        await page.keyboard.press('Control+End');
        await page.keyboard.type('frame.sh', { delay: 60 });
        const suggestion = page.locator('.suggest-widget .monaco-list-row', { hasText: 'shape' }).first();
        await suggestion.waitFor({ timeout: 15000 }).catch(async () => {
          await page.keyboard.press('Control+Space');
          await suggestion.waitFor({ timeout: 15000 });
        });
        assert.match(await page.locator('.suggest-widget').innerText(), /shape/);
        await screenshot(page, 'variables-completion');
        await page.keyboard.press('Escape');
        for (let i = 0; i < 8; i++) await page.keyboard.press('Backspace');

        // The frame in the data viewer: opened from its row, scrolled to its last row, sorted, filtered.
        // The row's context menu offers it (and no Release: a variable holds no remote object); its inline
        // button (shown on the row under the pointer) opens it.
        await treeRow(page, 'frame').click({ button: 'right' });
        await page.locator('.context-view .action-label', { hasText: 'Open in Data Viewer' }).first().waitFor();
        assert.deepEqual(await page.locator('.context-view .action-label').allInnerTexts(), ['Open in Data Viewer', 'Copy Value']);
        await page.keyboard.press('Escape');
        await treeRow(page, 'frame').hover();
        await treeRow(page, 'frame').locator('.action-label[aria-label="Open in Data Viewer"]').click();
        const viewer = await webviewFrame(page, '.grid');
        await viewer.locator('.toolbar .shape', { hasText: '1,000,000 rows × 3 columns' }).waitFor({ timeout: 30000 });
        assert.equal(await viewer.locator('.hcell[data-col="1"] .hname').innerText(), 'y');
        assert.equal(await viewer.locator('.hcell[data-col="1"] .hdtype').innerText(), 'float64');
        await viewer.locator('.cell[data-row="2"][data-col="1"]', { hasText: '0.5' }).waitFor();
        await screenshot(page, 'variables-data-viewer');
        await viewer.locator('.grid').evaluate((g) => (g.scrollTop = g.scrollHeight));
        await viewer.locator('.label', { hasText: /^999999$/ }).waitFor({ timeout: 30000 });
        assert.equal(await viewer.locator('.cell[data-row="999999"][data-col="2"]').innerText(), 'odd');
        const tiles = Number(await viewer.locator('#root').getAttribute('data-tiles'));
        assert.ok(tiles >= 1 && tiles <= Number(await viewer.locator('#root').getAttribute('data-max-tiles')), `windows held: ${tiles}`);

        await viewer.locator('.hcell[data-col="1"] .hname').click();
        await viewer.locator('.hcell[data-col="1"] .hname').click();
        await viewer.locator('.cell[data-row="0"][data-col="1"]', { hasText: '249.75' }).waitFor({ timeout: 30000 });
        assert.equal(await viewer.locator('.label[data-row="0"]').innerText(), '999', 'sorted by the agent, y descending, stable');
        await viewer.locator('.hcell[data-col="0"] input.filter').fill('> 999990');
        await viewer.locator('.toolbar .shape', { hasText: '9 of 1,000,000 rows' }).waitFor({ timeout: 30000 });
        fs.mkdirSync(SCREENSHOTS, { recursive: true });
        await (await viewer.frameElement()).screenshot({ path: path.join(SCREENSHOTS, 'variables-data-viewer-filtered.png') });

        // A run that changes the frame: the viewer follows.
        await page.locator('.tabs-container .tab', { hasText: 'explore.py' }).first().click();
        await openFile(page, 'shrink.py', 'frame = frame.head(10)');
        await runFromPalette(page, 'Remote Exec: Run Selection');
        await page.locator('.tabs-container .tab', { hasText: 'Data: frame' }).first().click();
        const again = await webviewFrame(page, '.grid');
        await again.getByRole('button', { name: 'Clear filters' }).click();
        await again.locator('.toolbar .shape', { hasText: /^10 rows × 3 columns/ }).waitFor({ timeout: 30000 });
        await treeRow(page, 'frame', 'DataFrame · 10 × 3').waitFor({ timeout: 30000 });
      } catch (err) {
        await screenshot(page, 'variables-failure').catch(() => undefined);
        throw err;
      }
    });

    test("lifetimes: what the explorer holds and who holds it, closed channels grouped, every gateway action on its row, restart asks and keeps the id, Switch Gateway offers the editor language's gateways", async () => {
      const { page } = workbench!;
      try {
        // A run whose value is a DataFrame: the explorer holds it, and says so; only that can be released.
        await openFile(page, 'show.py', 'frame');
        await runFromPalette(page, 'Remote Exec: Run Selection');
        await page.keyboard.press('Control+Home');
        const objects = treeRow(page, 'Objects');
        await setExpanded(objects, true);
        const held = treeRow(page, /^#\d+ DataFrame$/, 'held by the explorer · columns: x, y, label');
        await held.waitFor({ timeout: 30000 });
        await held.click({ button: 'right' });
        await page.locator('.context-view .action-label', { hasText: 'Release Object' }).first().waitFor();
        await page.keyboard.press('Escape');

        // Finished runs' channels are grouped under "closed (N)".
        await setExpanded(treeRow(page, 'Channels'), true);
        await setExpanded(treeRow(page, /^closed \(\d+\)$/), true);
        await treeRow(page, /^channel \d+$/, /closed · \d+ items/).waitFor();
        await screenshot(page, 'variables-lifetimes');
        await setExpanded(objects, false);
        await setExpanded(treeRow(page, 'Channels'), false);

        // A Node gateway beside the Python one: Switch Gateway in a Python editor offers the Python one only.
        await openFile(page, 'node.js', 'const answer');
        await runFromPalette(page, 'Remote Exec: Run Selection');
        await treeRow(page, 'gw1', 'open').waitFor({ timeout: 30000 });
        await page.locator('.tabs-container .tab', { hasText: 'explore.py' }).first().click();
        await page.keyboard.press('F1');
        await page.locator('.quick-input-widget input.input').fill('>Remote Exec: Switch Gateway');
        await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Switch Gateway' }).first().waitFor();
        await page.keyboard.press('Enter');
        await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open Gateway' }).waitFor();
        const offered = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
        assert.equal(offered.length, 2, `the Python gateway and Open Gateway…: ${JSON.stringify(offered)}`);
        assert.match(offered[0], /gw0[\s\S]*current/);
        await screenshot(page, 'variables-switch-gateway');
        await page.keyboard.press('Escape');

        // The gateway's context menu: every action on the row clicked; Restart asks, then keeps the id.
        const gw0 = treeRow(page, 'gw0');
        const pid = /pid (\d+)/.exec(await gw0.innerText())![1];
        // The tree may lay its rows out again between the click's aim and the click (a refresh arriving,
        // the list scrolled to bring the row into view): a menu for another row is closed and the click
        // made again.
        for (let attempt = 1; ; attempt++) {
          await gw0.click({ button: 'right' });
          try {
            await page.locator('.context-view .action-label', { hasText: 'Restart Gateway' }).first().waitFor({ timeout: 5000 });
            break;
          } catch (err) {
            if (attempt === 3) throw err;
            await page.keyboard.press('Escape');
          }
        }
        const actions = await page.locator('.context-view .action-label').allInnerTexts();
        for (const action of ['Use for Runs', 'Interrupt', 'Restart Gateway', 'Close Gateway'])
          assert.ok(actions.includes(action), `${action} in ${actions}`);
        // A menu ignores a click that comes right as it opens: rest on the item first, as a hand does.
        const restart = page.locator('.context-view .action-label', { hasText: 'Restart Gateway' }).first();
        await restart.hover();
        await page.waitForTimeout(400);
        await restart.click();
        const dialog = page.locator('.monaco-dialog-box', { hasText: 'Restart gw0?' });
        await dialog.waitFor({ timeout: 15000 });
        await screenshot(page, 'variables-restart-confirm');
        await dialog.locator('.monaco-button', { hasText: /^Restart$/ }).click();
        await eventually('gw0 is back with a new pid', async () => {
          const text = await treeRow(page, 'gw0', 'open')
            .innerText()
            .catch(() => '');
          const now = /pid (\d+)/.exec(text)?.[1];
          return now && now !== pid ? now : undefined;
        });
        await treeRow(page, 'no variables yet').waitFor({ timeout: 30000 });
      } catch (err) {
        await screenshot(page, 'variables-lifetimes-failure').catch(() => undefined);
        throw err;
      }
    });
  },
);
