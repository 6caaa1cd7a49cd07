// Runs inside a real VS Code extension host whose workspace is not trusted (restricted mode), with
// workspace settings that name gateway specs: what a cloned repository could ship.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { ExecSelectionResult, GatewaySummary } from '../../../contract/service';
import type { RemoteExecExtension } from '../../../extension/extension';
import { runAll, test } from './runner';

let api: RemoteExecExtension;

async function runFile(name: string): Promise<ExecSelectionResult> {
  const [file] = await vscode.workspace.findFiles(name);
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
  const last = editor.document.lineAt(editor.document.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(new vscode.Position(0, 0), last);
  const result = await vscode.commands.executeCommand<ExecSelectionResult | undefined>('remoteExec.execSelection');
  assert.ok(result, 'the command returned no result');
  return result;
}

async function closeAll(): Promise<void> {
  for (const gateway of api.ctx.gateways.list()) await vscode.commands.executeCommand('remoteExec.closeGateway', gateway.id);
}

test('the workspace is open in restricted mode and the extension activates in it', async () => {
  assert.equal(vscode.workspace.isTrusted, false, 'the workspace folder is not trusted');
  const extension = vscode.extensions.getExtension<RemoteExecExtension>('remote-exec.remote-exec');
  assert.ok(extension, 'extension remote-exec.remote-exec not found');
  api = await extension.activate();
  const [settings] = await vscode.workspace.findFiles('.vscode/settings.json');
  assert.match(
    Buffer.from(await vscode.workspace.fs.readFile(settings)).toString(),
    /FROM_WORKSPACE/,
    'the workspace settings name a gateway',
  );
});

test("the workspace's languageGateways is ignored: Run Selection starts the default local gateway", async () => {
  const result = await runFile('probe.py');
  assert.equal(result.status, 'ok', JSON.stringify(result));
  assert.equal(result.value?.repr, "'None'");
  const [gateway] = api.ctx.gateways.list();
  assert.doesNotMatch(gateway.spec, /FROM_WORKSPACE/);
  await closeAll();
});

test('the user settings still choose the gateway', async () => {
  const config = vscode.workspace.getConfiguration('remoteExec');
  await config.update('languageGateways', { python: 'popen//env:FROM_USER=yes' }, vscode.ConfigurationTarget.Global);
  try {
    const result = await runFile('user.py');
    assert.equal(result.value?.repr, `"'yes'"`, JSON.stringify(result));
  } finally {
    await config.update('languageGateways', undefined, vscode.ConfigurationTarget.Global);
    await closeAll();
  }
});

test('remoteExec.openGateway with a {spec} argument (another extension, a command: link) is refused', async () => {
  const opened = await vscode.commands.executeCommand<GatewaySummary | undefined>('remoteExec.openGateway', {
    spec: 'popen//env:FROM_LINK=1',
  });
  assert.equal(opened, undefined);
  assert.deepEqual(api.ctx.gateways.list(), [], 'no gateway was opened');
});

export function run(): Promise<void> {
  return runAll();
}
