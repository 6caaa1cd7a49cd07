import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { activeInterpreter, knownInterpreters, type PythonEnvironmentsApi, type PythonInterpreter } from './pythonExtension';

export const PYTHON_EXTENSION_ID = 'ms-python.python';
export const JUPYTER_EXTENSION_ID = 'ms-toolsai.jupyter';

/** The Python extension's environments API, when that extension is installed (it is activated for it). */
export async function pythonExtensionApi(): Promise<PythonEnvironmentsApi | undefined> {
  const ext = vscode.extensions.getExtension<{ environments?: PythonEnvironmentsApi }>(PYTHON_EXTENSION_ID);
  if (!ext) return undefined;
  try {
    const exports = ext.isActive ? ext.exports : await ext.activate();
    return exports?.environments;
  } catch {
    return undefined;
  }
}

/** The workspace folder's `.venv` or `venv`, when it has one. */
export function workspaceVenv(folder: string | undefined): PythonInterpreter | undefined {
  if (!folder) return undefined;
  for (const name of ['.venv', 'venv']) {
    const exe = process.platform === 'win32' ? path.join(folder, name, 'Scripts', 'python.exe') : path.join(folder, name, 'bin', 'python');
    if (isExecutable(exe)) return { path: exe, label: name, source: 'workspace' };
  }
  return undefined;
}

/**
 * The interpreter a local Python gateway starts with: the one selected in the Python extension, else the
 * workspace's `.venv`/`venv`; undefined leaves it to the spec's default (`python3`).
 */
export async function selectedPython(folder: vscode.WorkspaceFolder | undefined): Promise<PythonInterpreter | undefined> {
  const api = await pythonExtensionApi();
  if (api) {
    const active = await activeInterpreter(api, folder?.uri).catch(() => undefined);
    if (active) return active;
  }
  return workspaceVenv(folder?.uri.fsPath);
}

/** Every Python interpreter worth offering: the Python extension's, the workspace's venvs, python3.X on PATH. */
export async function discoverPythons(folder: vscode.WorkspaceFolder | undefined): Promise<PythonInterpreter[]> {
  const found: PythonInterpreter[] = [];
  const api = await pythonExtensionApi();
  if (api) found.push(...knownInterpreters(api));
  for (const f of vscode.workspace.workspaceFolders ?? (folder ? [folder] : [])) {
    const venv = workspaceVenv(f.uri.fsPath);
    if (venv) found.push({ ...venv, label: `${venv.label} (${f.name})` });
  }
  found.push(...pathPythons());
  // By path, not by what a link points to: a venv's python is a link to its base, but not the same interpreter.
  const seen = new Set<string>();
  return found.filter((p) => {
    if (seen.has(p.path)) return false;
    seen.add(p.path);
    return true;
  });
}

/** python3 and python3.N executables on PATH, first of each name. */
function pathPythons(): PythonInterpreter[] {
  const out: PythonInterpreter[] = [];
  const names = new Set<string>();
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    let entries: string[];
    try {
      entries = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of entries.filter((n) => /^python3(\.\d+)?$/.test(n)).sort()) {
      const exe = path.join(dir, name);
      if (names.has(name) || !isExecutable(exe)) continue;
      names.add(name);
      out.push({ path: exe, label: name, source: 'path' });
    }
  }
  return out;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
