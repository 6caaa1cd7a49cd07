/**
 * The two webviews' own HTML and scripts (dist/webview/*.js) in Debian's Chromium, outside VS Code:
 * the page has the same CSP as inside VS Code and a stand-in for `acquireVsCodeApi` that records what
 * the page posts. Needs `playwright-core` and /usr/bin/chromium.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { CHROMIUM_ARGS } from '../helpers/vscode';
import { CHROMIUM, serveWebviews, VSCODE_API_STUB, type WebviewServer } from '../helpers/webviewHarness';

const root = path.resolve(__dirname, '../..');
const shots = path.join(root, 'test-results', 'screenshots');

let playwright: typeof import('playwright-core') | undefined;
try {
  playwright = require('playwright-core');
} catch {
  playwright = undefined;
}
const skip = !playwright ? 'playwright-core is not installed' : !fs.existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : false;

describe('webviews in Chromium', { skip }, () => {
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

  async function open(view: 'logs' | 'status', theme = 'dark', size = { width: 1100, height: 420 }) {
    const page = await browser.newPage({ viewport: size });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.addInitScript(VSCODE_API_STUB);
    await page.goto(`${origin}/?view=${view}&theme=${theme}`);
    await page.waitForFunction(() => (window as any).posted.some((m: any) => m.type === 'ready'));
    return { page, errors };
  }

  test('a million lines keep the DOM small, the newest lines in view and the drops counted', async () => {
    const { page, errors } = await open('logs');
    await page.evaluate(() => window.postMessage({ type: 'reset', entries: [], maxLines: 100_000 }, '*'));
    await page.evaluate(async () => {
      const streams = ['stdout', 'stderr', 'log', 'exception'];
      const levels: [number, string][] = [
        [20, 'INFO'],
        [30, 'WARNING'],
        [20, 'INFO'],
        [40, 'ERROR'],
      ];
      let seq = 0;
      for (let batch = 0; batch < 100; batch++) {
        const entries = [];
        for (let i = 0; i < 10_000; i++) {
          seq++;
          const k = seq % 4;
          entries.push({
            seq,
            time: 1_700_000_000_000 + seq,
            gateway: seq % 3 ? 'gw0' : 'gw1',
            stream: streams[k],
            level: levels[k][0],
            levelname: levels[k][1],
            logger: k === 2 ? 'app.worker' : undefined,
            text: seq % 7 ? `line ${seq}` : `line ${seq} \x1b[1;31mred bold\x1b[0m and \x1b[32mgreen\x1b[0m`,
          });
        }
        window.postMessage({ type: 'append', entries }, '*');
        await new Promise((r) => setTimeout(r, 0));
      }
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    });
    await page.waitForFunction(() => document.querySelector('.count')?.textContent === '100,000 lines');
    const rows = await page.locator('.row').count();
    assert.ok(rows > 5 && rows < 100, `only the rows in view are in the DOM, found ${rows}`);
    assert.match(await page.locator('.banner').innerText(), /900,000 older lines dropped/);
    assert.match(await page.locator('.row').last().innerText(), /line 1000000$/, 'following the newest line');
    assert.ok((await page.locator('.row .ansi-fg-1.ansi-bold').count()) > 0, 'ANSI colours rendered as classes');
    await page.screenshot({ path: path.join(shots, 'logs-flood-dark.png') });

    await page.locator('.scroller').evaluate((el) => (el.scrollTop = 0));
    await page.waitForSelector('.row.marker');
    assert.match(await page.locator('.row.marker').innerText(), /900,000 lines dropped/);
    assert.equal(await page.locator('button.follow').innerText(), 'Paused', 'scrolling up pauses auto-scroll');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('filters by gateway, stream, level and text; copies and clears through the host', async () => {
    const { page, errors } = await open('logs', 'light');
    const entries = [
      {
        seq: 1,
        time: 1_700_000_000_000,
        gateway: 'gw0',
        stream: 'lifecycle',
        level: 20,
        levelname: 'INFO',
        text: 'gateway gw0 opened: popen — python 3.11, pid 4242',
      },
      {
        seq: 2,
        time: 1_700_000_000_010,
        gateway: 'gw0',
        stream: 'log',
        level: 20,
        levelname: 'INFO',
        logger: 'demo',
        thread: 'MainThread',
        text: 'starting work',
      },
      { seq: 3, time: 1_700_000_000_020, gateway: 'gw1', stream: 'stdout', level: 20, levelname: 'INFO', text: 'printed by gw1' },
      {
        seq: 4,
        time: 1_700_000_000_030,
        gateway: 'gw0',
        stream: 'exception',
        level: 40,
        levelname: 'ERROR',
        logger: 'threading',
        thread: 'boom',
        text: 'Exception in thread boom\nTraceback (most recent call last):\nZeroDivisionError: division by zero',
      },
      { seq: 5, time: 1_700_000_000_040, gateway: 'gw1', stream: 'stderr', level: 30, levelname: 'WARNING', text: 'child err' },
      {
        seq: 6,
        time: 1_700_000_000_050,
        gateway: 'gw0',
        stream: 'warning',
        level: 30,
        levelname: 'WARNING',
        logger: 'py.warnings',
        text: 'UserWarning: careful',
      },
      {
        seq: 7,
        time: 1_700_000_000_060,
        gateway: 'gw1',
        stream: 'dropped',
        level: 30,
        levelname: 'WARNING',
        text: '120 lines dropped',
        count: 120,
      },
    ];
    await page.evaluate((e) => window.postMessage({ type: 'reset', entries: e, maxLines: 100_000 }, '*'), entries);
    const texts = () => page.locator('.row .msg').allInnerTexts();
    // The view renders on the next animation frame: wait for the rows, then compare.
    const expectRows = async (expected: string[]) => {
      for (let i = 0; i < 100 && JSON.stringify(await texts()) !== JSON.stringify(expected); i++) await page.waitForTimeout(20);
      assert.deepEqual(await texts(), expected);
    };
    await page.waitForFunction(() => document.querySelectorAll('.row').length === 9);
    await page.screenshot({ path: path.join(shots, 'logs-filters-light.png') });

    await page.getByRole('button', { name: 'gw1', exact: true }).click();
    await expectRows([
      'gateway gw0 opened: popen — python 3.11, pid 4242',
      'starting work',
      'Exception in thread boom',
      'Traceback (most recent call last):',
      'ZeroDivisionError: division by zero',
      'UserWarning: careful',
    ]);
    await page.getByRole('button', { name: 'gw1', exact: true }).click();

    await page.locator('select').selectOption('30');
    await expectRows([
      'Exception in thread boom',
      'Traceback (most recent call last):',
      'ZeroDivisionError: division by zero',
      'child err',
      'UserWarning: careful',
      '120 lines dropped',
    ]);
    await page.locator('select').selectOption('0');

    await page.getByRole('button', { name: 'exception', exact: true }).click();
    await page.getByRole('button', { name: 'lifecycle', exact: true }).click();
    await expectRows(['starting work', 'printed by gw1', 'child err', 'UserWarning: careful', '120 lines dropped']);
    await page.getByRole('button', { name: 'exception', exact: true }).click();
    await page.getByRole('button', { name: 'lifecycle', exact: true }).click();

    await page.locator('input.search').fill('ZERODIVISION');
    await page.waitForFunction(() => document.querySelectorAll('.row').length === 4);
    await expectRows([
      'Exception in thread boom',
      'Traceback (most recent call last):',
      'ZeroDivisionError: division by zero',
      '120 lines dropped',
    ]);
    const saved = await page.evaluate(() => (window as any).savedState);
    assert.equal(saved.search, 'ZERODIVISION', 'filters are kept in the webview state');

    await page.getByRole('button', { name: 'Copy' }).click();
    const copied = await page.evaluate(() => (window as any).posted.find((m: any) => m.type === 'copy')?.text as string);
    assert.match(copied, /gw0 exception ERROR threading boom: Exception in thread boom\n {4}Traceback/);
    await page.getByRole('button', { name: 'Clear' }).click();
    assert.ok(await page.evaluate(() => (window as any).posted.some((m: any) => m.type === 'clear')));
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the status page shows each gateway and draws throughput from pushed snapshots', async () => {
    for (const theme of ['dark', 'light']) {
      const { page, errors } = await open('status', theme, { width: 900, height: 560 });
      await page.evaluate(async () => {
        const gw = (bytes: number, executing: number) => ({
          id: 'gw0',
          spec: 'popen',
          state: 'open',
          startedAt: Date.now() - 65_000,
          info: {
            language: 'python',
            version: '3.11.7',
            implementation: 'CPython',
            pid: 4242,
            cwd: '/tmp',
            executable: '/usr/bin/python3',
            platform: 'linux',
            capabilities: [],
          },
          counters: {
            msgsIn: Math.round(bytes / 100),
            msgsOut: Math.round(bytes / 120),
            bytesIn: bytes,
            bytesOut: Math.round(bytes / 3),
            runs: 2,
            running: executing,
          },
          remoteStatus: {
            numexecuting: executing,
            numchannels: 2,
            execqsize: 0,
            numobjects: 17,
            nextid: 18,
            pid: 4242,
            uptime: 65,
            msgsIn: 1,
            msgsOut: 1,
            bytesIn: 1,
            bytesOut: 1,
          },
          roundTripMs: 0.21,
        });
        const now = Date.now();
        for (let i = 0; i < 20; i++) {
          const bytes = 1_000_000 * i + (i % 5) * 300_000;
          window.postMessage(
            {
              type: 'status',
              receivedAt: now + i * 1000,
              status: {
                version: '0.1.0',
                uptime: 120 + i,
                pid: 999,
                gateways: [
                  gw(bytes, 1),
                  { ...gw(0, 0), id: 'gw1', spec: 'ssh=alice@10.0.0.2//python=python3', state: 'closed', exitReason: 'the agent exited' },
                ],
              },
            },
            '*',
          );
          await new Promise((r) => setTimeout(r, 0));
        }
      });
      await page.waitForSelector('section.card[data-gateway="gw0"]');
      const card = page.locator('section.card[data-gateway="gw0"]');
      assert.equal(await card.locator('tr[data-field="pid"] td').innerText(), '4242');
      assert.equal(await card.locator('tr[data-field="exported objects"] td').innerText(), '17');
      assert.equal(await card.locator('tr[data-field="round trip"] td').innerText(), '210 µs');
      assert.match(await card.locator('tr[data-field="interpreter"] td').innerText(), /CPython 3\.11\.7/);
      assert.match(await page.locator('.server').innerText(), /Server 0\.1\.0 · pid 999/);
      const points = await page.locator('svg.chart polyline.in').getAttribute('points');
      assert.equal(points?.split(' ').length, 19, 'one chart point per pushed snapshot after the first');
      const state = await page.evaluate(() => (window as any).savedState);
      assert.equal(state.history.length, 19, 'the chart survives a reload through the webview state');
      await page.screenshot({ path: path.join(shots, `status-${theme}.png`), fullPage: true });
      assert.deepEqual(errors, []);
      await page.close();
    }
  });
});
