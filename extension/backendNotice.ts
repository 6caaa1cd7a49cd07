import * as vscode from 'vscode';
import type { BackendNotice } from './backendRestarts';
import type { Ctx } from './ctx';

const OPEN = 'Open Gateway';
const RESTART = 'Restart Backend';
const LOG = 'Show Backend Log';

/** Tells the user the backend stopped, with what they can do next. */
export async function showBackendNotice(ctx: Ctx, notice: BackendNotice): Promise<void> {
  const choice = notice.restarted
    ? await vscode.window.showWarningMessage(notice.message, OPEN, LOG)
    : await vscode.window.showErrorMessage(notice.message, RESTART, LOG);
  if (choice === OPEN) await vscode.commands.executeCommand('remoteExec.openGateway');
  if (choice === RESTART) await ctx.restartBackend();
  if (choice === LOG) ctx.client.outputChannel.show(true);
}
