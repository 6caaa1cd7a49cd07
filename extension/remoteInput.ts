import * as vscode from 'vscode';
import { input } from '../contract/service';
import type { Ctx } from './ctx';

/**
 * Answers `remoteExec/input`, remote code reading a line (`input()`, `getpass`, a read of stdin) or a
 * gateway's start asking for sudo's password: an input box with the prompt, masked for a password. Enter sends the line; Escape sends end-of-file, which
 * the code sees as EOFError. The box closes by itself when the run ends first (the server cancels).
 */
export function registerRemoteInput(ctx: Ctx): void {
  ctx.push(
    ctx.client.onRequest(input, async (params, token) => {
      const run = params.runId ? ` (${params.gatewayId})` : ` on ${params.gatewayId}`;
      const title = params.forStart
        ? `Remote Exec: password to start ${params.gatewayId}`
        : `Remote Exec: ${params.password ? 'password' : 'input'} for the running code${run}`;
      const line = await vscode.window.showInputBox(
        {
          title,
          prompt: params.prompt.trim() || (params.password ? 'Password' : 'The code reads a line'),
          password: params.password,
          ignoreFocusOut: true,
          placeHolder: 'Enter sends the line · Escape sends end-of-file (EOFError)',
        },
        token,
      );
      return { line: line ?? null };
    }),
  );
}
