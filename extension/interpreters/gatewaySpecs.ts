import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { validateSpec } from '../../contract/service';
import { languageGatewaySpec } from '../config';
import type { Ctx } from '../ctx';
import { selectedPython } from './pythonInterpreters';

/** A spec to open and the name the UI shows it under. */
export interface GatewayChoice {
  spec: string;
  name?: string;
}

/** The workspace folder a document belongs to, else the first one. */
export function folderOf(document?: vscode.TextDocument): vscode.WorkspaceFolder | undefined {
  return (document && vscode.workspace.getWorkspaceFolder(document.uri)) ?? vscode.workspace.workspaceFolders?.[0];
}

/** `${workspaceFolder}`, `${workspaceFolderBasename}` and `${userHome}` in a spec or a path. */
export function expandVariables(text: string, folder: vscode.WorkspaceFolder | undefined): string {
  return text
    .replace(/\$\{workspaceFolder\}/g, folder?.uri.fsPath ?? process.cwd())
    .replace(/\$\{workspaceFolderBasename\}/g, folder?.name ?? path.basename(process.cwd()))
    .replace(/\$\{userHome\}/g, os.homedir());
}

/** Where a local gateway starts (`remoteExec.cwd`): the workspace folder, the file's folder, or a path. */
export function workingDirectory(document?: vscode.TextDocument): string | undefined {
  const folder = folderOf(document);
  const setting = vscode.workspace.getConfiguration('remoteExec', document?.uri).get<string>('cwd', 'workspaceFolder').trim();
  if (setting === '' || setting === 'workspaceFolder') return folder?.uri.fsPath;
  if (setting === 'fileFolder') return document?.uri.scheme === 'file' ? path.dirname(document.uri.fsPath) : folder?.uri.fsPath;
  return expandVariables(setting, folder);
}

/** The spec a run of `languageId` opens on first use, made whole for where it runs. */
export async function specForLanguage(ctx: Ctx, languageId: string, document?: vscode.TextDocument): Promise<GatewayChoice | undefined> {
  const configured = languageGatewaySpec(languageId);
  return configured === undefined ? undefined : completeSpec(ctx, configured, document);
}

/**
 * A spec as it opens: variables expanded and, for a gateway on this machine, the working directory
 * (`chdir=`, unless it sets one) and, for Python, the selected interpreter (`python=`, unless it names one).
 */
export async function completeSpec(ctx: Ctx, spec: string, document?: vscode.TextDocument, name?: string): Promise<GatewayChoice> {
  const folder = folderOf(document);
  let full = expandVariables(spec, folder);
  const checked = await ctx.request(validateSpec, { spec: full });
  if (!checked.ok || !checked.local) return { spec: full, name };
  if (checked.interpreter === 'python' && !checked.namesInterpreter) {
    const python = await selectedPython(folder);
    if (python) {
      full += `//python=${quoteArg(python.path)}`;
      name ??= python.label;
    }
  }
  const cwd = checked.setsChdir ? undefined : workingDirectory(document);
  if (cwd) full += `//chdir=${cwd}`;
  return { spec: full, name };
}

/** A path as one word of an xspec's command line (split like a shell would). */
export function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
