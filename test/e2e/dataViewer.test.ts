/**
 * The data viewer's page (dist/webview/dataViewer.js) in Debian's Chromium, outside VS Code, with the
 * same CSP as inside it and a stand-in host that answers its window requests from a made-up table of
 * 10,000,000 rows: the grid draws only what is in view, reaches the last row, keeps a few windows only,
 * sends sorts and filters to the host and keeps them across a reload. Screenshots in the dark and light
 * themes go to test-results/screenshots/.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { CHROMIUM_ARGS } from '../helpers/vscode';
import { CHROMIUM, serveWebviews, type WebviewServer } from '../helpers/webviewHarness';

const root = path.resolve(__dirname, '../..');
const shots = path.join(root, 'test-results', 'screenshots');

/**
 * The stand-in for VS Code's webview API and for the extension behind it: fetches are answered from a
 * table of ROWS rows and 12 columns (`a` = row, `b` = row / 2, then text columns), sorted descending
 * and filtered on column a as the agent would.
 */
const HOST = `
  window.__name = (f) => f;
  window.posted = [];
  const ROWS = 10000000;
  const COLUMNS = [['a', 'int64', true], ['b', 'float64', true]];
  for (let i = 2; i < 12; i++) COLUMNS.push(['text' + i, 'object', false]);
  function answer(m) {
    let rows = ROWS;
    let at = (i) => i;
    for (const [c, op, v] of m.filters) {
      if (c === 0 && op === 'gt') { rows = Math.max(0, ROWS - 1 - v); const base = at; at = (i) => base(i + v + 1); }
    }
    if (m.sort && m.sort[0] === 0 && m.sort[1]) { const base = at; const n = rows; at = (i) => base(n - 1 - i); }
    const labels = [], cells = [];
    for (let i = m.offset; i < Math.min(rows, m.offset + m.limit); i++) {
      const r = at(i);
      labels.push(String(r));
      const row = [];
      for (let c = m.columnOffset; c < Math.min(COLUMNS.length, m.columnOffset + m.columnLimit); c++)
        row.push(c === 0 ? String(r) : c === 1 ? String(r / 2) : 'row ' + r + ' col ' + c);
      cells.push(row);
    }
    return { rows, unfiltered: ROWS, columnCount: COLUMNS.length, offset: m.offset, columnOffset: m.columnOffset,
      index: { name: '', dtype: 'int64', numeric: true },
      columns: COLUMNS.slice(m.columnOffset, m.columnOffset + m.columnLimit).map(([name, dtype, numeric]) => ({ name, dtype, numeric })),
      labels, cells };
  }
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => {
      window.posted.push(m);
      if (m.type === 'ready') setTimeout(() => window.postMessage({ type: 'target', target: { gatewayId: 'gw0', path: [['a', 'huge']], name: 'huge' } }, '*'), 0);
      if (m.type === 'fetch') setTimeout(() => window.postMessage({ type: 'page', requestId: m.requestId, page: answer(m) }, '*'), 5);
    },
    getState: () => JSON.parse(sessionStorage.getItem('state') || 'null') || undefined,
    setState: (s) => sessionStorage.setItem('state', JSON.stringify(s)),
  });
`;

let playwright: typeof import('playwright-core') | undefined;
try {
  playwright = require('playwright-core');
} catch {
  playwright = undefined;
}
const skip = !playwright ? 'playwright-core is not installed' : !fs.existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : false;

describe('the data viewer page in Chromium', { skip }, () => {
  let server: WebviewServer;
  let origin = '';
  let browser: import('playwright-core').Browser;

  before(async () => {
    execFileSync(process.execPath, [path.join(root, 'scripts/build.js'), '--no-types'], { cwd: root, stdio: 'inherit' });
    fs.mkdirSync(shots, { recursive: true });
    server = await serveWebviews();
    origin = server.origin;
    browser = await playwright!.chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  async function open(theme = 'dark') {
    const page = await browser.newPage({ viewport: { width: 1000, height: 520 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.addInitScript(HOST);
    await page.goto(`${origin}/?view=dataViewer&theme=${theme}`);
    await page.locator('.cell[data-row="0"][data-col="0"]', { hasText: '0' }).waitFor();
    return { page, errors };
  }

  const cell = (page: import('playwright-core').Page, row: number, col: number) =>
    page.locator(`.cell[data-row="${row}"][data-col="${col}"]`);

  test('10,000,000 rows: only the rows in view are drawn, the last row is reachable, a few windows are kept', async () => {
    const { page, errors } = await open();
    assert.equal(await page.locator('.toolbar .shape').innerText(), '10,000,000 rows × 12 columns');
    assert.equal(await page.locator('.hcell[data-col="1"] .hname').innerText(), 'b');
    assert.equal(await page.locator('.hcell[data-col="1"] .hdtype').innerText(), 'float64');
    const drawn = await page.locator('.cell').count();
    assert.ok(drawn > 20 && drawn < 400, `only the cells in view are in the DOM, found ${drawn}`);
    await page.screenshot({ path: path.join(shots, 'data-viewer-dark.png') });

    // Scroll to the end, then to the middle: the rows come from the host, window by window.
    await page.locator('.grid').evaluate((g) => (g.scrollTop = g.scrollHeight));
    await page.locator('.label', { hasText: /^9999999$/ }).waitFor();
    assert.equal(await cell(page, 9_999_999, 2).innerText(), 'row 9999999 col 2');
    await page.locator('.grid').evaluate((g) => (g.scrollTop = g.scrollHeight / 2));
    await page.waitForFunction(() => document.querySelectorAll('.cell.loading').length === 0);
    for (let i = 1; i <= 30; i++) {
      await page.locator('.grid').evaluate((g, k) => (g.scrollTop = (g.scrollHeight * k) / 31), i);
      await page.waitForTimeout(20);
    }
    await page.waitForFunction(() => document.querySelectorAll('.cell.loading').length === 0);
    const tiles = Number(await page.locator('#root').getAttribute('data-tiles'));
    const maxTiles = Number(await page.locator('#root').getAttribute('data-max-tiles'));
    assert.ok(tiles > 0 && tiles <= maxTiles, `the page holds ${tiles} windows (at most ${maxTiles})`);
    const fetched = await page.evaluate(() => (window as any).posted.filter((m: any) => m.type === 'fetch').length);
    assert.ok(fetched > 30 && fetched < 200, `windows fetched as scrolled: ${fetched}`);

    // A click selects a cell; copying copies its text.
    const someCell = page.locator('.cell[data-col="2"]').nth(3);
    const text = await someCell.innerText();
    await someCell.click();
    const copied = await page.evaluate(() => {
      const data = new DataTransfer();
      document.dispatchEvent(new ClipboardEvent('copy', { clipboardData: data, cancelable: true }));
      return data.getData('text/plain');
    });
    assert.equal(copied, text);
    assert.match(copied, /^row \d+ col 2$/);

    // Horizontal scrolling draws the columns in view, headers included.
    await page.locator('.grid').evaluate((g) => (g.scrollLeft = g.scrollWidth));
    await page.locator('.hcell[data-col="11"] .hname', { hasText: 'text11' }).waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('sorting and filtering are sent to the host; the view keeps them after a reload', async () => {
    const { page, errors } = await open('light');
    await page.locator('.hcell[data-col="0"] .hname').click();
    await page.locator('.hcell[data-col="0"] .hname').click();
    await page.locator('.hcell[data-col="0"] .hname', { hasText: 'a ↓' }).waitFor();
    await cell(page, 0, 0).filter({ hasText: '9999999' }).waitFor();
    const sortedFetch = await page.evaluate(() => (window as any).posted.filter((m: any) => m.type === 'fetch').at(-1));
    assert.deepEqual(sortedFetch.sort, [0, true]);
    assert.match(await page.locator('.toolbar .sorted').innerText(), /sorted by a ↓/);

    await page.locator('.hcell[data-col="0"] input.filter').fill('> 9999989');
    await page.locator('.toolbar .shape', { hasText: '10 of 10,000,000 rows × 12 columns' }).waitFor();
    const filteredFetch = await page.evaluate(() => (window as any).posted.filter((m: any) => m.type === 'fetch').at(-1));
    assert.deepEqual(filteredFetch.filters, [[0, 'gt', 9999989]]);
    assert.equal(await page.locator('.label').count(), 10);
    await page.screenshot({ path: path.join(shots, 'data-viewer-sorted-filtered-light.png') });

    // A filter the column cannot take is marked, not sent.
    await page.locator('.hcell[data-col="1"] input.filter').fill('> many');
    await page.locator('.hcell[data-col="1"] input.filter.invalid').waitFor();

    // The page is reloaded (VS Code does so when a hidden webview is shown again): sort and filter stay.
    await page.locator('.hcell[data-col="1"] input.filter').fill('');
    await page.waitForTimeout(400);
    await page.reload();
    await page.locator('.toolbar .shape', { hasText: '10 of 10,000,000 rows' }).waitFor();
    assert.equal(await page.locator('.hcell[data-col="0"] input.filter').inputValue(), '> 9999989');
    assert.equal(await cell(page, 0, 0).innerText(), '9999999');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.locator('.toolbar .shape', { hasText: /^10,000,000 rows/ }).waitFor();

    // Scrolled halfway and reloaded: it comes back where it was.
    await page.locator('.grid').evaluate((g) => (g.scrollTop = g.scrollHeight / 2));
    await page.waitForFunction(() => Number(document.querySelector('.label')?.getAttribute('data-row')) > 1_000_000);
    await page.waitForTimeout(400);
    await page.reload();
    await page.waitForFunction(() => Number(document.querySelector('.label:not(.loading)')?.getAttribute('data-row')) > 1_000_000);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
