import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { e2eAvailable, runFromPalette, screenshot, startPackagedWorkbench, type PackagedWorkbench } from '../helpers/vscode';
import { DEMO_PY } from './fixtures';
import { eventually } from '../helpers/eventually';

/** Text VS Code draws after a line through decorations lives in CSS `content`, not in the DOM text. */
async function decorationTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const texts: string[] = [];
    for (const el of Array.from(document.querySelectorAll('.monaco-editor .view-lines span'))) {
      for (const pseudo of ['::after', '::before']) {
        const content = getComputedStyle(el, pseudo).content;
        if (content && content !== 'none' && content !== 'normal' && content !== '""') texts.push(content.replace(/^"|"$/g, ''));
      }
      if (el.className.includes('ced-') && el.textContent) texts.push(el.textContent);
    }
    return texts;
  });
}

describe('the packaged extension in VS Code in Chromium', { skip: e2eAvailable() }, () => {
  let workbench: PackagedWorkbench | undefined;

  before(async () => {
    workbench = await startPackagedWorkbench({ files: { 'demo.py': DEMO_PY } });
  });

  after(async () => {
    await workbench?.stop();
  });

  test('Run Selection from the palette shows the value inline and the variables in the explorer', async () => {
    const { page } = workbench!;
    await workbench!.open();
    try {
      // Open demo.py with Quick Open and select its first two lines.
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input.input');
      await input.fill('demo.py');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'demo.py' }).first().waitFor({ timeout: 15000 });
      await page.keyboard.press('Enter');
      await page.locator('.monaco-editor .view-line', { hasText: 'y = x * 2' }).waitFor({ timeout: 15000 });
      await page.locator('.monaco-editor .view-line', { hasText: 'x = 21' }).click();
      await page.keyboard.press('Control+Home');
      await page.keyboard.press('Shift+ArrowDown');
      await page.keyboard.press('Shift+End');
      await runFromPalette(page, 'Remote Exec: Run Selection');
      // Then the cursor on `y` (line 3) alone: the statement under the cursor is sent.
      await eventually('the first run finished', async () => (await decorationTexts(page)).some((t) => t.includes('✓')));
      await page.locator('.monaco-editor .view-line', { hasText: /^y$/ }).click();
      await runFromPalette(page, 'Remote Exec: Run Selection');
      const texts = await eventually('the value 42 shows after the line', async () => {
        const all = await decorationTexts(page);
        return all.some((t) => t.includes('⇒ 42')) ? all : undefined;
      });
      assert.ok(texts.some((t) => t.includes('⇒ 42')));
      await screenshot(page, 'remote-exec-inline-result');

      // The Remote Objects explorer shows the gateway and the session's variables.
      await page.locator('.activitybar .action-item a[aria-label^="Remote Exec"]').first().click();
      await page
        .locator('.monaco-list-row', { hasText: /^gw\d+/ })
        .first()
        .waitFor({ timeout: 30000 });
      await page.locator('.monaco-list-row', { hasText: 'Variables' }).first().waitFor({ timeout: 30000 });
      const row = page.locator('.monaco-list-row', { hasText: 'y' }).filter({ hasText: '42' }).first();
      await row.waitFor({ timeout: 30000 });
      await page.locator('.monaco-list-row', { hasText: 'x' }).filter({ hasText: '21' }).first().waitFor({ timeout: 30000 });
      await screenshot(page, 'remote-exec-objects-tree');

      // An error: the diagnostic squiggle and the inline error.
      await page.locator('.monaco-editor .view-line', { hasText: 'def fail(n):' }).click();
      await runFromPalette(page, 'Remote Exec: Run Selection');
      await page.locator('.monaco-editor .view-line', { hasText: 'fail(0)' }).last().click();
      await runFromPalette(page, 'Remote Exec: Run Selection');
      await eventually('the error shows inline', async () => (await decorationTexts(page)).some((t) => t.includes('ZeroDivisionError')));
      await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 15000 });
      await screenshot(page, 'remote-exec-error');
    } catch (err) {
      await screenshot(page, 'remote-exec-failure').catch(() => undefined);
      throw err;
    }
  });

  test('a backend killed under the user: a notification says its gateways closed, and Show Backend Log opens its log', async () => {
    const { page } = workbench!;
    try {
      const backends = backendPids();
      assert.equal(backends.length, 1, `one backend runs for the workbench: ${backends.join(', ')}`);
      process.kill(backends[0], 'SIGKILL');
      const toast = page.locator('.notification-toast', { hasText: 'The Remote Exec backend stopped unexpectedly and was restarted' });
      await toast.waitFor({ timeout: 30000 });
      await toast.locator('.monaco-button', { hasText: 'Open Gateway' }).waitFor({ timeout: 5000 });
      await eventually('a new backend runs', () => backendPids().some((pid) => pid !== backends[0]));
      await screenshot(page, 'remote-exec-backend-restarted');
      await toast.locator('.monaco-button', { hasText: 'Show Backend Log' }).click();
      await page.locator('.part.panel .monaco-editor .view-line', { hasText: 'restarted' }).first().waitFor({ timeout: 15000 });
      await screenshot(page, 'remote-exec-backend-log');
    } catch (err) {
      await screenshot(page, 'remote-exec-backend-failure').catch(() => undefined);
      throw err;
    }
  });
});

/** The pids of the running backends (`remote-exec server --stdio`, started by the extension). */
function backendPids(): number[] {
  const found = spawnSync('pgrep', ['-f', 'dist/cli.js server --stdio'], { encoding: 'utf8' }).stdout;
  return found.split('\n').filter(Boolean).map(Number);
}
