import * as vscode from 'vscode';

/** A gateway the user configured under `remoteExec.gateways`. */
export interface ConfiguredGateway {
  name: string;
  spec: string;
}

/** Gateways for languages nobody configured: local Python and Node agents. */
export const DEFAULT_LANGUAGE_GATEWAYS: Record<string, string> = {
  python: 'popen',
  javascript: 'popen//node=node',
  typescript: 'popen//node=node',
};

/**
 * A setting's value, leaving out workspace and folder values while the workspace is not trusted, so a
 * cloned repository's settings can never start a process of its choosing.
 */
function trusted<T>(key: string): T | undefined {
  const config = vscode.workspace.getConfiguration('remoteExec');
  if (vscode.workspace.isTrusted) return config.get<T>(key);
  const inspected = config.inspect<T>(key);
  return inspected?.globalValue ?? inspected?.defaultValue;
}

export function configuredGateways(): ConfiguredGateway[] {
  const list = trusted<ConfiguredGateway[]>('gateways') ?? [];
  return list.filter((g) => g && typeof g.spec === 'string' && g.spec.trim() !== '').map((g) => ({ name: g.name || g.spec, spec: g.spec }));
}

/** The gateway spec for a document language, or undefined when none is configured for it. */
export function languageGatewaySpec(languageId: string): string | undefined {
  const configured = trusted<Record<string, string>>('languageGateways') ?? {};
  return configured[languageId] ?? DEFAULT_LANGUAGE_GATEWAYS[languageId];
}

export function moveCursorAfterRun(): boolean {
  return vscode.workspace.getConfiguration('remoteExec').get<boolean>('moveCursorAfterRun', false);
}

export function showInlineResults(): boolean {
  return vscode.workspace.getConfiguration('remoteExec').get<boolean>('inlineResults', true);
}
