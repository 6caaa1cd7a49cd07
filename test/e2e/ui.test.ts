import assert from 'node:assert/strict';
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
});
