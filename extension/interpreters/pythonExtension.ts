/**
 * The Python extension's public environments API (`ms-python.python`, its exports' `environments`), as
 * far as the interpreter choice uses it. Kept free of `vscode` so it can be exercised with a stand-in.
 */
export interface PythonEnvironment {
  id: string;
  path: string;
  executable?: { uri?: { fsPath: string } };
  environment?: { name?: string; type?: string };
  version?: { major?: number; minor?: number; micro?: number };
}

export interface PythonEnvironmentsApi {
  /** The interpreter the user selected for a folder (or for the window). */
  getActiveEnvironmentPath(resource?: unknown): { id: string; path: string };
  resolveEnvironment(environment: { id: string; path: string } | string): Promise<PythonEnvironment | undefined>;
  readonly known: readonly PythonEnvironment[];
}

/** An interpreter Remote Exec can start a local Python gateway with. */
export interface PythonInterpreter {
  /** The executable. */
  path: string;
  /** How the picker and the status bar name it, e.g. `.venv`, `Python 3.11 (conda: base)`. */
  label: string;
  source: 'python-extension' | 'workspace' | 'path';
}

/** The interpreter selected in the Python extension for `resource`, with its executable resolved. */
export async function activeInterpreter(api: PythonEnvironmentsApi, resource?: unknown): Promise<PythonInterpreter | undefined> {
  const active = api.getActiveEnvironmentPath(resource);
  if (!active?.path) return undefined;
  const resolved = await api.resolveEnvironment(active).catch(() => undefined);
  const path = resolved?.executable?.uri?.fsPath ?? active.path;
  return { path, label: describe(resolved, path), source: 'python-extension' };
}

/** Every interpreter the Python extension knows of. */
export function knownInterpreters(api: PythonEnvironmentsApi): PythonInterpreter[] {
  return api.known
    .map((env) => ({ env, path: env.executable?.uri?.fsPath ?? env.path }))
    .filter(({ path }) => !!path)
    .map(({ env, path }) => ({ path, label: describe(env, path), source: 'python-extension' as const }));
}

function describe(env: PythonEnvironment | undefined, path: string): string {
  const v = env?.version;
  const version = v?.major !== undefined ? `Python ${v.major}.${v.minor ?? 0}${v.micro !== undefined ? `.${v.micro}` : ''}` : 'Python';
  const name = env?.environment?.name;
  return name ? `${version} (${name})` : `${version} (${path})`;
}
