// Runs inside the real VS Code extension host (extensionTestsPath): drives the extension through the
// real vscode API as a user would through commands, and checks what the user would see.
import * as assert from 'assert';
import * as vscode from 'vscode';
import * as rpc from '../../../contract/service';
import type { ExecSelectionResult } from '../../../contract/service';
import type { RemoteExecExtension } from '../../../extension/extension';
import type { ObjectNode } from '../../../extension/objectsTree';
import { eventually } from '../../helpers/eventually';
import { runAll, test } from './runner';

let api: RemoteExecExtension;
let editor: vscode.TextEditor;

function select(startLine: number, endLine = startLine): void {
  const end = editor.document.lineAt(endLine).range.end;
  editor.selection = new vscode.Selection(new vscode.Position(startLine, 0), end);
}

function cursorAt(line: number, character = 0): void {
  editor.selection = new vscode.Selection(new vscode.Position(line, character), new vscode.Position(line, character));
}

async function execute(): Promise<ExecSelectionResult> {
  const result = await vscode.commands.executeCommand<ExecSelectionResult | undefined>('remoteExec.execSelection');
  assert.ok(result, 'the command returned no result');
  return result;
}

async function rows(node?: ObjectNode): Promise<{ node: ObjectNode; label: string; description: string }[]> {
  const children = await api.treeChildren(node);
  return children.map((child) => {
    const item = api.treeItem(child);
    return {
      node: child,
      label: String(typeof item.label === 'object' ? item.label.label : item.label),
      description: String(item.description ?? ''),
    };
  });
}

async function variables(): Promise<Map<string, string>> {
  const [gateway] = await rows();
  const groups = await rows(gateway.node);
  const vars = await rows(groups.find((g) => g.label === 'Variables')!.node);
  return new Map(vars.map((v) => [v.label, v.description]));
}

test('the extension activates and opens demo.py', async () => {
  const extension = vscode.extensions.getExtension<RemoteExecExtension>('remote-exec.remote-exec');
  assert.ok(extension, 'extension remote-exec.remote-exec not found');
  api = await extension.activate();
  const [file] = await vscode.workspace.findFiles('demo.py');
  editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
  assert.equal(editor.document.languageId, 'python');
});

test('Run Selection runs the selection; the namespace persists and the last value shows inline', async () => {
  select(0, 1);
  const first = await execute();
  assert.equal(first.status, 'ok');
  assert.equal(first.value, undefined);
  select(2);
  const second = await execute();
  assert.equal(second.status, 'ok');
  assert.equal(second.value?.repr, '42');
  assert.equal(api.inlineTextAt(editor.document.uri, 2), '⇒ 42');
});

test('with no selection the whole statement under the cursor is sent', async () => {
  cursorAt(5, 6);
  const defined = await execute();
  assert.equal(defined.status, 'ok');
  assert.equal(api.inlineTextAt(editor.document.uri, 6), '✓', 'the result shows after the last line of the def');
  select(0, 0);
  editor.selection = new vscode.Selection(new vscode.Position(2, 0), new vscode.Position(2, 0));
  assert.equal((await execute()).value?.repr, '42');
});

test('an indented selection is dedented before it runs', async () => {
  select(18, 19);
  const result = await execute();
  assert.equal(result.status, 'ok');
  assert.equal(result.value?.repr, '6');
});

test('the Remote Objects tree lists the gateway and its variables, and updates live', async () => {
  const [gateway] = await rows();
  assert.match(gateway.label, /^gw\d+$/);
  assert.match(gateway.description, /^open · pid \d+ · popen\/\/chdir=\//, 'a local gateway starts in the workspace folder');
  const groups = await rows(gateway.node);
  assert.deepEqual(
    groups.map((g) => g.label),
    ['Variables', 'Objects', 'Channels'],
  );
  const before = await variables();
  assert.equal(before.get('x'), 'int · 21');
  assert.equal(before.get('y'), 'int · 42');
  assert.ok(!before.has('box'));

  const refreshed = api.whenTreeRefreshed();
  select(21, 26);
  assert.equal((await execute()).status, 'ok');
  await refreshed;
  const after = await variables();
  assert.match(after.get('box') ?? '', /Box object/);

  // Expanding the object lists its attributes (no methods, no dunders), fetched from the agent.
  const vars = await rows((await rows(gateway.node)).find((g) => g.label === 'Variables')!.node);
  const box = vars.find((v) => v.label === 'box')!;
  const attrs = await rows(box.node);
  assert.deepEqual(
    attrs.map((a) => [a.label, a.description]),
    [
      ['items', 'list · len 5 · [0, 1, 2, 3, 4]'],
      ['label', "str · len 3 · 'box'"],
    ],
  );
});

test('Interrupt stops a long-running selection; the gateway keeps its session', async () => {
  select(8, 10);
  const running = vscode.commands.executeCommand<ExecSelectionResult>('remoteExec.execSelection');
  await eventually('the run is under way', () => api.ctx.gateways.list().some((g) => g.counters.running > 0));
  assert.equal(api.inlineTextAt(editor.document.uri, 10), '⏳ running…');
  await vscode.commands.executeCommand('remoteExec.interrupt');
  const result = await running;
  assert.equal(result?.status, 'interrupted');
  assert.equal(api.inlineTextAt(editor.document.uri, 10), '⏹ interrupted');
  select(2);
  assert.equal((await execute()).value?.repr, '42');
});

test('an exception shows its traceback and a diagnostic on the failing line', async () => {
  select(12, 13);
  await execute();
  cursorAt(15);
  const result = await execute();
  assert.equal(result.status, 'error');
  assert.equal(result.error?.type, 'ZeroDivisionError');
  assert.match(api.inlineTextAt(editor.document.uri, 15) ?? '', /^✗ ZeroDivisionError: division by zero/);
  const diagnostics = vscode.languages.getDiagnostics(editor.document.uri);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].range.start.line, 13, 'the innermost frame in this document: return 10 / n');
  assert.match(diagnostics[0].message, /ZeroDivisionError/);
  assert.match(result.error!.traceback, /demo\.py", line 14/);
});

test('the first run opened a local gateway in the workspace folder; with no venv and no Python extension, python3', async () => {
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const [gateway] = api.ctx.gateways.list();
  assert.equal(gateway.spec, `popen//chdir=${folder}`);
  assert.equal(gateway.info?.cwd, folder);
});

test('a diagnostic moves with the lines above it and goes when its own line is deleted', async () => {
  const uri = editor.document.uri;
  assert.equal(vscode.languages.getDiagnostics(uri)[0]?.range.start.line, 13);
  await editor.edit((e) => e.insert(new vscode.Position(0, 0), '# a new first line\n'));
  await eventually('the diagnostic one line down', () => vscode.languages.getDiagnostics(uri)[0]?.range.start.line === 14);
  await editor.edit((e) => e.delete(new vscode.Range(14, 0, 15, 0)));
  await eventually('the diagnostic gone with its line', () => vscode.languages.getDiagnostics(uri).length === 0);
  await vscode.commands.executeCommand('workbench.action.files.revert');
  assert.equal(editor.document.lineAt(13).text, '    return 10 / n');
});

test("a gateway's restart takes its diagnostics with it", async () => {
  cursorAt(15);
  assert.equal((await execute()).status, 'error');
  assert.equal(vscode.languages.getDiagnostics(editor.document.uri).length, 1);
  const gateway = api.ctx.gateways.activeFor('python')!;
  // Given the id (as an API call), Restart does not ask first.
  await vscode.commands.executeCommand('remoteExec.restartGateway', gateway.id);
  assert.equal(vscode.languages.getDiagnostics(editor.document.uri).length, 0);
  assert.equal(api.inlineTextAt(editor.document.uri, 15), undefined);
});

test('with moveCursorAfterRun, running the last line of a file with no final newline leaves the cursor at its end', async () => {
  const config = vscode.workspace.getConfiguration('remoteExec');
  await config.update('moveCursorAfterRun', true, vscode.ConfigurationTarget.Global);
  try {
    const doc = await vscode.workspace.openTextDocument({ language: 'python', content: 'a = 1\nb = 2 + 1' });
    const last = await vscode.window.showTextDocument(doc);
    last.selection = new vscode.Selection(1, 0, 1, 0);
    const result = await vscode.commands.executeCommand<ExecSelectionResult>('remoteExec.execSelection');
    assert.equal(result?.status, 'ok');
    assert.deepEqual([last.selection.active.line, last.selection.active.character], [1, 9]);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  } finally {
    await config.update('moveCursorAfterRun', undefined, vscode.ConfigurationTarget.Global);
  }
  editor = await vscode.window.showTextDocument(editor.document);
});

test('a JavaScript cell that declares const runs again; the results view has each run, named after its cell', async () => {
  const [file] = await vscode.workspace.findFiles('cells.js');
  const js = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
  const first = await vscode.commands.executeCommand<ExecSelectionResult>('remoteExec.runCell', js.document.uri, 0);
  assert.equal(first?.status, 'ok', JSON.stringify(first?.error));
  const again = await vscode.commands.executeCommand<ExecSelectionResult>('remoteExec.runCell', js.document.uri, 0);
  assert.equal(again?.status, 'ok', `running it again: ${again?.error?.message}`);
  assert.equal(again?.value?.repr, '"linux"');
  const use = await vscode.commands.executeCommand<ExecSelectionResult>('remoteExec.runCell', js.document.uri, 6);
  assert.equal(use?.value?.repr, '"function"');
  const runs = api.results.runs().filter((r) => r.file === 'cells.js');
  assert.deepEqual(
    runs.map((r) => [r.label, r.state, r.range]),
    [
      ['cell 1 · setup', 'done', [0, 3]],
      ['cell 1 · setup', 'done', [0, 3]],
      ['cell 2 · use', 'done', [5, 6]],
    ],
  );
  editor = await vscode.window.showTextDocument(editor.document);
});

test("Run Above runs the cells before the cursor's cell, Run Below that cell and the ones after, each a run of its own", async () => {
  const [file] = await vscode.workspace.findFiles('cells.js');
  const js = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
  const before = api.results.runs().length;
  const above = await vscode.commands.executeCommand<ExecSelectionResult[]>('remoteExec.runAbove', js.document.uri, 6);
  assert.deepEqual(
    above?.map((r) => [r?.status, r?.range]),
    [['ok', [0, 3]]],
  );
  const below = await vscode.commands.executeCommand<ExecSelectionResult[]>('remoteExec.runBelow', js.document.uri, 2);
  assert.deepEqual(
    below?.map((r) => [r?.status, r?.range, r?.value?.repr]),
    [
      ['ok', [0, 3], '"linux"'],
      ['ok', [5, 6], '"function"'],
    ],
  );
  assert.deepEqual(
    api.results
      .runs()
      .slice(before)
      .map((r) => r.label),
    ['cell 1 · setup', 'cell 1 · setup', 'cell 2 · use'],
  );
  editor = await vscode.window.showTextDocument(editor.document);
});

test('Close Gateway ends it and the tree empties', async () => {
  for (const gateway of api.ctx.gateways.list()) await vscode.commands.executeCommand('remoteExec.closeGateway', gateway.id);
  await eventually('the tree is empty', async () => (await rows()).length === 0).catch((err) => {
    throw new Error(`${err.message}; gateways: ${JSON.stringify(api.ctx.gateways.list())}`);
  });
});

test('remoteExec.cwd = fileFolder starts a gateway in the folder of the file; ${workspaceFolder} is expanded in specs', async () => {
  const config = vscode.workspace.getConfiguration('remoteExec');
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  await config.update('cwd', 'fileFolder', vscode.ConfigurationTarget.Global);
  await config.update('languageGateways', { python: 'popen//env:WHERE=${workspaceFolder}' }, vscode.ConfigurationTarget.Global);
  try {
    const [file] = await vscode.workspace.findFiles('sub/where.py');
    const where = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
    where.selection = new vscode.Selection(0, 0, 1, where.document.lineAt(1).text.length);
    const result = await vscode.commands.executeCommand<ExecSelectionResult>('remoteExec.execSelection');
    assert.equal(result?.value?.repr, `('${folder}/sub', '${folder}')`, JSON.stringify(result));
  } finally {
    await config.update('cwd', undefined, vscode.ConfigurationTarget.Global);
    await config.update('languageGateways', undefined, vscode.ConfigurationTarget.Global);
  }
});

test('a backend killed under the user is restarted, the user is told, and the next run opens a fresh gateway', async () => {
  editor = await vscode.window.showTextDocument(editor.document);
  select(0, 2);
  assert.equal((await execute()).value?.repr, '42');
  assert.match(api.inlineTextAt(editor.document.uri, 2) ?? '', /42/);
  const { pid } = await api.ctx.request0(rpc.status);
  const told = api.ctx.restarts.notices().length;
  process.kill(pid, 'SIGKILL');
  const notice = await eventually('the user is told', () => api.ctx.restarts.notices()[told]);
  assert.equal(notice.restarted, true);
  assert.match(notice.message, /Its gateways closed with it/);
  await eventually('a backend runs again', () => api.ctx.client.isRunning());
  await eventually('the tree shows no gateway of the dead backend', async () => (await rows()).length === 0);
  assert.equal(api.inlineTextAt(editor.document.uri, 2), undefined, 'the inline value of the dead gateway is gone');
  select(2);
  const again = await execute();
  assert.equal(again.status, 'error', 'the namespace went with the old gateway');
  assert.equal(again.error?.type, 'NameError', JSON.stringify(again));
  const now = await api.ctx.request0(rpc.status);
  assert.notEqual(now.pid, pid);
  assert.equal(now.gateways.length, 1, 'the run opened a gateway on the new backend');
});

test('Restart Backend starts a fresh backend, with no notice (the user asked); its gateways close', async () => {
  select(0, 2);
  assert.equal((await execute()).value?.repr, '42');
  const { pid } = await api.ctx.request0(rpc.status);
  const told = api.ctx.restarts.notices().length;
  await vscode.commands.executeCommand('remoteExec.restartBackend');
  await eventually('a backend runs again', () => api.ctx.client.isRunning());
  const now = await api.ctx.request0(rpc.status);
  assert.notEqual(now.pid, pid);
  assert.equal(now.gateways.length, 0);
  await eventually('the tree shows no gateway', async () => (await rows()).length === 0);
  assert.equal(api.ctx.restarts.notices().length, told, 'no notice for a restart the user asked for');
});

export function run(): Promise<void> {
  return runAll();
}
