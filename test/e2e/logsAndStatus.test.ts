/**
 * The Remote Logs panel and the status page in a real VS Code (the packaged extension in code-server's
 * VS Code, driven in Chromium): a remote script that logs at several levels, prints, raises in a thread
 * and runs a child process; each line shows in the panel with its gateway, stream and level, the filters
 * work, and the status page shows the gateway's pid and counters that move while code runs. Screenshots
 * of both views in the dark and the light theme go to test-results/screenshots/.
 */
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { after, before, describe, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { e2eAvailable, runFromPalette, screenshot, SCREENSHOTS, startPackagedWorkbench, type PackagedWorkbench } from '../helpers/vscode';
import { eventually } from '../helpers/eventually';

const LOGS_DEMO_PY = [
  'import logging, subprocess, sys, threading',
  "log = logging.getLogger('demo.app')",
  "log.debug('debug from demo')",
  "log.info('info from demo')",
  "log.warning('warning from demo')",
  "log.error('error from demo')",
  "print('\\x1b[32mgreen\\x1b[0m printed by demo')",
  "print('complained by demo', file=sys.stderr)",
  "worker = threading.Thread(target=lambda: 1 / 0, name='worker')",
  'worker.start()',
  'worker.join()',
  "subprocess.run(['sh', '-c', 'echo child out; echo child err >&2'])",
  '',
].join('\n');

const TICKER_PY = ['import time', 'for i in range(60):', "    print('tick', i, flush=True)", '    time.sleep(0.25)', ''].join('\n');

interface RowInfo {
  gateway?: string;
  stream?: string;
  level?: string;
  text: string;
  cont: boolean;
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

async function rows(frame: Frame): Promise<RowInfo[]> {
  return frame.$$eval('.rows .row', (nodes) =>
    nodes.map((n) => {
      const el = n as HTMLElement;
      return {
        gateway: el.dataset.gateway,
        stream: el.dataset.stream,
        level: el.dataset.level,
        text: el.textContent ?? '',
        cont: el.classList.contains('cont'),
      };
    }),
  );
}

/**
 * Searches the panel for `text` as a user would and returns the rows shown once every line shown
 * matches it (the search applies after a short pause) and `expect` accepts them.
 */
async function search(frame: Frame, text: string, expect: (shown: RowInfo[]) => boolean): Promise<RowInfo[]> {
  await frame.fill('input.search', text);
  return eventually(`rows for the search ${JSON.stringify(text)}`, async () => {
    const shown = await rows(frame);
    const applied = shown.length > 0 && shown.every((r) => r.cont || r.text.toLowerCase().includes(text.toLowerCase()));
    return (applied || !text) && expect(shown) ? shown : undefined;
  });
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

/** Switches the colour theme with Preferences: Color Theme, as a user would. */
async function setTheme(page: Page, theme: string, bodyClass: 'vs' | 'vs-dark'): Promise<void> {
  await runFromPaletteKeepOpen(page, 'Preferences: Color Theme');
  // The theme list replaces the command list in the same widget: wait for it before typing.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Dark Modern' }).first().waitFor({ timeout: 15000 });
  await page.locator('.quick-input-widget input.input').fill(theme);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: theme }).first();
  await row.waitFor({ timeout: 15000 });
  await row.click();
  await page.locator(`.monaco-workbench.${bodyClass}`).waitFor({ timeout: 15000 });
}

async function runFromPaletteKeepOpen(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await input.fill('>' + title);
  // Not Enter: the palette may rank another command first (Browse Color Themes in Marketplace).
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).filter({ hasNotText: 'Marketplace' }).first();
  await row.waitFor({ timeout: 15000 });
  await row.click();
}

describe('Remote Logs panel and status page in VS Code in Chromium', { skip: e2eAvailable() }, () => {
  let workbench: PackagedWorkbench | undefined;

  before(async () => {
    workbench = await startPackagedWorkbench({
      files: { 'logs_demo.py': LOGS_DEMO_PY, 'ticker.py': TICKER_PY },
      settings: { 'remoteExec.logs.level': 'DEBUG', 'workbench.colorTheme': 'Default Dark Modern', 'remoteExec.inlineResults': true },
    });
  });

  after(async () => {
    await workbench?.stop();
  });

  test('every kind of remote line shows with its gateway, stream and level; filters work; the status page follows the gateway', async () => {
    const { page } = workbench!;
    await workbench!.open();
    try {
      // The script runs as the user would run it: the whole file, Run Selection.
      await openFile(page, 'logs_demo.py', 'import logging');
      await page.keyboard.press('Control+A');
      await runFromPalette(page, 'Remote Exec: Run Selection');
      // The first run of a window opens Remote Exec Results in the panel; the logs are a tab beside it.
      await webviewFrame(page, '[data-view="results"]');

      await runFromPalette(page, 'Focus on Remote Logs View');
      const logs = await webviewFrame(page, 'input.search');
      const opened = (await search(logs, 'opened: popen', (r) => r.length === 1))[0];
      const gateway = opened.gateway!;
      assert.match(gateway, /^gw\d+$/);
      assert.equal(opened.stream, 'lifecycle');
      const pid = Number(/pid (\d+)/.exec(opened.text)?.[1]);
      assert.ok(pid > 0, `the lifecycle line names the pid: ${opened.text}`);

      const expectations: [string, string, string][] = [
        ['debug from demo', 'log', 'DEBUG'],
        ['info from demo', 'log', 'INFO'],
        ['warning from demo', 'log', 'WARNING'],
        ['error from demo', 'log', 'ERROR'],
        ['printed by demo', 'stdout', 'INFO'],
        ['complained by demo', 'stderr', 'WARNING'],
        ['Exception in thread worker', 'exception', 'ERROR'],
        ['child out', 'stdout', 'INFO'],
        ['child err', 'stderr', 'WARNING'],
      ];
      for (const [text, stream, level] of expectations) {
        const [row] = await search(logs, text, (r) => r.some((x) => x.text.includes(text)));
        assert.deepEqual([row.gateway, row.stream, row.level], [gateway, stream, level], `the line ${JSON.stringify(text)}: ${row.text}`);
      }
      // The logger and thread show beside a record; the traceback follows the exception's first line.
      const [info] = await search(logs, 'info from demo', (r) => r.length === 1);
      assert.match(info.text, /demo\.app/);
      const exception = await search(logs, 'ZeroDivisionError', (r) => r.length >= 2);
      assert.ok(exception.some((r) => r.cont && /ZeroDivisionError: division by zero/.test(r.text)));
      // Colours in output are drawn, not printed as escape codes.
      await search(logs, 'printed by demo', (r) => r.length === 1);
      assert.equal(await logs.locator('.row .ansi-fg-2').first().innerText(), 'green');

      // Filters: a stream, a level, a gateway.
      await search(logs, '', (r) => r.some((x) => x.text.includes('child out')));
      await logs.click('button.chip[data-stream="stdout"]');
      await eventually('stdout lines hidden', async () => {
        const shown = await rows(logs);
        return shown.length > 0 && shown.every((r) => r.stream !== 'stdout');
      });
      await logs.click('button.chip[data-stream="stdout"]');
      await logs.selectOption('select', '30');
      await eventually('only WARNING and above', async () => {
        const shown = await rows(logs);
        return shown.length > 0 && shown.every((r) => ['WARNING', 'ERROR', 'CRITICAL'].includes(r.level ?? ''));
      });
      await logs.selectOption('select', '0');
      await logs.click(`button.chip[data-gateway="${gateway}"]`);
      await logs.locator('.empty', { hasText: 'No line matches the filters.' }).waitFor({ timeout: 10000 });
      await logs.click(`button.chip[data-gateway="${gateway}"]`);
      await eventually('every line back', async () => (await rows(logs)).some((r) => r.text.includes('child err')));

      // The status page, while a run keeps the gateway busy.
      await openFile(page, 'ticker.py', 'import time');
      await page.keyboard.press('Control+A');
      await runFromPalette(page, 'Remote Exec: Run Selection');
      await eventually('the ticker prints', async () => (await search(logs, 'tick 3', (r) => r.length === 1)).length === 1);
      await logs.fill('input.search', '');
      await runFromPalette(page, 'Remote Exec: Show Status');
      const status = await webviewFrame(page, `section.card[data-gateway="${gateway}"]`);
      const card = status.locator(`section.card[data-gateway="${gateway}"]`);
      assert.equal(await card.locator('tr[data-field="pid"] td').innerText(), String(pid));
      await eventually('the run shows as executing', async () =>
        /^1 task/.test(await card.locator('tr[data-field="executing"] td').innerText()),
      );
      const bytes = await card.locator('tr[data-field="bytes in / out"] td').innerText();
      const messages = await card.locator('tr[data-field="messages in / out"] td').innerText();
      await eventually('the counters move while the run prints', async () => {
        const [b, m] = [
          await card.locator('tr[data-field="bytes in / out"] td').innerText(),
          await card.locator('tr[data-field="messages in / out"] td').innerText(),
        ];
        return b !== bytes && m !== messages;
      });
      assert.match(await status.locator('.server').innerText(), /^Server \S+ · pid \d+ · up /);
      await eventually(
        'the chart has points',
        async () => ((await status.locator('svg.chart polyline.in').getAttribute('points')) ?? '').split(' ').length >= 3,
      );

      // The screenshots show the script's varied lines: the ticker's stdout is filtered out.
      await logs.click('button.chip[data-stream="stdout"]');
      await eventually('stdout lines hidden', async () => (await rows(logs)).some((r) => r.text.includes('child err')));
      for (const [theme, bodyClass, name] of [
        ['Default Dark Modern', 'vs-dark', 'dark'],
        ['Light Modern', 'vs', 'light'],
      ] as const) {
        if (name === 'light') await setTheme(page, theme, bodyClass);
        // Webviews take the theme's colours from the workbench: wait until the page's own background matches.
        await eventually(`the webviews follow the ${name} theme`, async () => {
          const kinds = await Promise.all([logs, status].map((f) => f.evaluate(() => document.body.className)));
          return kinds.every((k) => k.includes(name === 'dark' ? 'vscode-dark' : 'vscode-light'));
        });
        await screenshot(page, `vscode-logs-and-status-${name}`);
        fs.mkdirSync(SCREENSHOTS, { recursive: true });
        await (await logs.frameElement()).screenshot({ path: path.join(SCREENSHOTS, `vscode-logs-${name}.png`) });
        await (await status.frameElement()).screenshot({ path: path.join(SCREENSHOTS, `vscode-status-${name}.png`) });
      }

      await logs.click('button.chip[data-stream="stdout"]');

      // Hidden and shown again, the status page comes back with the gateway (from its saved state, then pushes).
      await page.locator('.tabs-container .tab', { hasText: 'ticker.py' }).first().click();
      await page.locator('.tabs-container .tab', { hasText: 'Remote Exec Status' }).first().click();
      const again = await webviewFrame(page, `section.card[data-gateway="${gateway}"]`);
      assert.equal(await again.locator(`section.card[data-gateway="${gateway}"] tr[data-field="pid"] td`).innerText(), String(pid));
    } catch (err) {
      await screenshot(page, 'logs-and-status-failure').catch(() => undefined);
      throw err;
    }
  });
});
