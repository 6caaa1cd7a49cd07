import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';

const REPO = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const contributes = pkg.contributes;

describe('the extension manifest, as VS Code and the Marketplace read it', () => {
  test('nothing runs at startup: activation by command, view or language; it runs where the files are', () => {
    assert.ok(!pkg.activationEvents.includes('onStartupFinished') && !pkg.activationEvents.includes('*'));
    assert.ok(pkg.activationEvents.includes('onLanguage:python'));
    assert.deepEqual(pkg.extensionKind, ['workspace']);
  });

  test('Marketplace metadata: a 128×128 PNG icon, the repository, keywords, the categories', () => {
    const icon = fs.readFileSync(path.join(REPO, pkg.icon));
    assert.equal(icon.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128]);
    assert.match(pkg.repository.url, /^https:\/\//);
    assert.ok(pkg.keywords.includes('jupyter') && pkg.keywords.includes('python'));
    assert.deepEqual(pkg.categories, ['Data Science', 'Notebooks', 'Other']);
  });

  test('Run Selection is its title in the Remote Exec category; its menu entry is for languages with a gateway', () => {
    const run = contributes.commands.find((c: { command: string }) => c.command === 'remoteExec.execSelection');
    assert.deepEqual([run.title, run.category], ['Run Selection', 'Remote Exec']);
    const menu = contributes.menus['editor/context'].find((m: { command: string }) => m.command === 'remoteExec.execSelection');
    assert.match(menu.when, /editorLangId in remoteExec\.gatewayLanguages/);
  });

  test('keybindings: Shift+Enter never in notebooks and deferring to the Python extension; Ctrl+Alt+Enter with text focus', () => {
    const keys = contributes.keybindings as { command: string; key: string; when: string }[];
    for (const k of keys.filter((k) => k.key === 'shift+enter')) {
      assert.match(k.when, /!notebookEditorFocused/, `${k.command}: not in notebooks`);
      assert.match(k.when, /remoteExec\.deferKeys/, `${k.command}: defers to the Python extension unless shiftEnterRuns`);
      assert.match(k.when, /editorTextFocus/);
    }
    const cell = keys.find((k) => k.command === 'remoteExec.runCellAndAdvance' && k.key === 'shift+enter');
    assert.match(cell!.when, /remoteExec\.editorHasCells/);
    const selection = keys.find((k) => k.command === 'remoteExec.execSelection' && k.key === 'ctrl+alt+enter');
    assert.match(selection!.when, /^editorTextFocus/);
    assert.equal(contributes.configuration.properties['remoteExec.shiftEnterRuns'].default, false);
  });

  test('the results view is in the panel beside Remote Logs, with its title actions', () => {
    const panel = contributes.viewsContainers.panel.map((c: { id: string }) => c.id);
    assert.deepEqual(panel, ['remoteExecResults', 'remoteExecLogs']);
    assert.deepEqual(contributes.views.remoteExecResults, [{ type: 'webview', id: 'remoteExec.results', name: 'Remote Exec Results' }]);
    const actions = contributes.menus['view/title']
      .filter((m: { when: string }) => /remoteExec\.results/.test(m.when))
      .map((m: { command: string }) => m.command);
    assert.deepEqual(actions.sort(), [
      'remoteExec.interruptAndClearQueue',
      'remoteExec.results.clear',
      'remoteExec.results.collapseAll',
      'remoteExec.results.copyAll',
    ]);
  });

  test("the walkthrough's steps (open a gateway, run a line, see a plot, explore objects) have their pages", () => {
    const [walkthrough] = contributes.walkthroughs;
    assert.deepEqual(
      walkthrough.steps.map((s: { id: string }) => s.id),
      ['openGateway', 'runLine', 'seePlot', 'exploreObjects'],
    );
    for (const step of walkthrough.steps) assert.ok(fs.existsSync(path.join(REPO, step.media.markdown)), step.media.markdown);
  });

  test("every image of the README ships in the VSIX (its links stay relative, so the extension's page shows them)", () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const images = Array.from(readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g), (m) => m[1]).filter((src) => !/^https?:/.test(src));
    assert.ok(images.length >= 3, `the README's images: ${images.join(', ')}`);
    assert.ok(images.includes('docs/screenshot-results.png'), 'a plot in the results view');
    const packaged = execFileSync(process.execPath, [require.resolve('@vscode/vsce/vsce'), 'ls', '--no-dependencies'], {
      cwd: REPO,
      encoding: 'utf8',
    }).split('\n');
    for (const image of images) {
      assert.ok(packaged.includes(image), `${image} is in the VSIX`);
      assert.ok(fs.existsSync(path.join(REPO, image)), `${image} exists`);
    }
  });
});
