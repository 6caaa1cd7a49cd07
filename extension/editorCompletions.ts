import * as vscode from 'vscode';
import * as rpc from '../contract/service';
import type { Ctx } from './ctx';
import { LIVE_DOCUMENTS } from './editorHovers';
import { completionContext, idleGatewayFor } from './liveNames';

const KINDS: Record<rpc.CompletionEntry['kind'], vscode.CompletionItemKind> = {
  data: vscode.CompletionItemKind.Variable,
  function: vscode.CompletionItemKind.Method,
  class: vscode.CompletionItemKind.Class,
  module: vscode.CompletionItemKind.Module,
  property: vscode.CompletionItemKind.Property,
};

/**
 * After `name.`, the attributes of the live object `name` holds in the session (as a kernel's
 * completions offer them), and names the session defined; VS Code merges them with the language
 * server's. The agent lists them without reading any (no property runs); an idle gateway only, and
 * nothing when the answer is slow, so typing never waits.
 */
export class LiveCompletions implements vscode.CompletionItemProvider {
  constructor(private readonly ctx: Ctx) {}

  async provideCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ): Promise<vscode.CompletionItem[] | undefined> {
    const gateway = idleGatewayFor(this.ctx, document);
    if (!gateway) return undefined;
    const context = completionContext(document, position);
    if (!context) return undefined;
    const entries = await this.ctx
      .request(rpc.complete, { gatewayId: gateway.id, expression: context.names, prefix: context.prefix })
      .catch(() => [] as rpc.CompletionEntry[]);
    if (token.isCancellationRequested || entries.length === 0) return undefined;
    const owner = context.names.length ? context.names.join('.') : gateway.id;
    return entries.map((e) => {
      const item = new vscode.CompletionItem({ label: e.name, description: e.type || e.kind }, KINDS[e.kind] ?? KINDS.data);
      item.detail = `${e.type || e.kind} · live in ${context.names.length ? `${owner} (${gateway.id})` : gateway.id}`;
      return item;
    });
  }
}

export function registerLiveCompletions(ctx: Ctx): void {
  ctx.push(vscode.languages.registerCompletionItemProvider(LIVE_DOCUMENTS, new LiveCompletions(ctx), '.'));
}
