import * as vscode from 'vscode';
import { validateSpec } from '../contract/service';
import { configuredGateways } from './config';
import type { Ctx } from './ctx';
import { completeSpec, folderOf, quoteArg, type GatewayChoice } from './interpreters/gatewaySpecs';
import { discoverPythons } from './interpreters/pythonInterpreters';

type Item = vscode.QuickPickItem & { choice?: GatewayChoice; enter?: boolean; complete?: boolean };

/**
 * Open Gateway's picker: the interpreters found here (the Python extension's, the workspace's venvs,
 * python3.X on PATH, Node), the configured gateways, the specs opened lately, and a spec typed in. The
 * gateway the active editor's runs go to is marked. Local choices get the working directory (and for
 * interpreters the folder's) when they open.
 */
export async function pickGateway(ctx: Ctx, document?: vscode.TextDocument): Promise<GatewayChoice | undefined> {
  const languageId = document?.languageId ?? 'python';
  const current = ctx.gateways.activeFor(languageId);
  const isCurrent = (spec: string) => !!current && (current.spec === spec || current.spec.startsWith(`${spec}//`));
  const mark = (item: Item): Item =>
    item.choice && isCurrent(item.choice.spec)
      ? { ...item, label: `$(check) ${item.label}`, description: `${item.description ?? ''} · current` }
      : item;

  const pythons = await discoverPythons(folderOf(document));
  const items: Item[] = [{ label: 'Interpreters', kind: vscode.QuickPickItemKind.Separator }];
  for (const p of pythons) {
    items.push(
      mark({
        label: `$(symbol-misc) ${p.label}`,
        description: p.path,
        choice: { spec: `popen//python=${quoteArg(p.path)}`, name: p.label },
        complete: true,
      }),
    );
  }
  items.push(
    mark({
      label: '$(symbol-misc) Node.js',
      description: 'node on PATH',
      choice: { spec: 'popen//node=node', name: 'Node.js' },
      complete: true,
    }),
  );
  const configured = configuredGateways();
  if (configured.length > 0) items.push({ label: 'Configured (remoteExec.gateways)', kind: vscode.QuickPickItemKind.Separator });
  for (const g of configured)
    items.push(mark({ label: `$(server) ${g.name}`, description: g.spec, choice: { spec: g.spec, name: g.name }, complete: true }));
  const recent = ctx.extensionContext.globalState.get<{ spec: string; name?: string }[]>('remoteExec.recentSpecs') ?? [];
  if (recent.length > 0) items.push({ label: 'Recent', kind: vscode.QuickPickItemKind.Separator });
  for (const r of recent)
    items.push(mark({ label: `$(history) ${r.name ?? r.spec}`, description: r.name ? r.spec : undefined, choice: r }));
  items.push(
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(edit) Enter a spec…', description: 'popen, ssh=host, socket=host:port, …//python=, node=, repl=', enter: true },
  );
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Remote Exec: Open Gateway',
    placeHolder: current ? `${languageId} runs go to ${current.id} (${current.spec})` : 'An interpreter, a configured gateway, or a spec',
    matchOnDescription: true,
  });
  if (!picked) return undefined;
  if (picked.choice && isCurrent(picked.choice.spec) && current) return undefined;
  if (picked.choice) return picked.complete ? completeSpec(ctx, picked.choice.spec, document, picked.choice.name) : picked.choice;
  const spec = await vscode.window.showInputBox({
    title: 'Remote Exec: gateway spec',
    prompt: 'e.g. popen, popen//python=python3.11//chdir=/tmp, ssh=user@host//node=node, popen//repl=R --vanilla',
    validateInput: async (value) => {
      if (!value.trim()) return 'a spec, e.g. popen';
      const checked = await ctx.request(validateSpec, { spec: value.trim() });
      return checked.ok ? undefined : checked.error;
    },
  });
  return spec ? { spec: spec.trim() } : undefined;
}
