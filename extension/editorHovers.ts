import * as vscode from 'vscode';
import * as rpc from '../contract/service';
import type { Ctx } from './ctx';
import { dottedNameAt, idleGatewayFor } from './liveNames';
import { descriptionMarkdown } from './valueMarkdown';

/** Where hovers and completions apply: files and unsaved editors of any language that has a gateway. */
export const LIVE_DOCUMENTS: vscode.DocumentSelector = [{ scheme: 'file' }, { scheme: 'untitled' }];

/**
 * Hovering a name shows its live value in the session of the document language's gateway, as a
 * debugger's hover does: type, size and repr, computed by the agent. Only while the gateway is idle, and
 * only from what the agent answers at once (the server gives up after a few hundred ms).
 */
export class LiveHovers implements vscode.HoverProvider {
  constructor(private readonly ctx: Ctx) {}

  async provideHover(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ): Promise<vscode.Hover | undefined> {
    const gateway = idleGatewayFor(this.ctx, document);
    if (!gateway) return undefined;
    const name = dottedNameAt(document, position);
    if (!name) return undefined;
    const d = await this.ctx.request(rpc.hover, { gatewayId: gateway.id, expression: name.names }).catch(() => null);
    if (!d || token.isCancellationRequested) return undefined;
    return new vscode.Hover(descriptionMarkdown(name.names.join('.'), d, `live in ${gateway.id}`), name.range);
  }
}

export function registerLiveHovers(ctx: Ctx): void {
  ctx.push(vscode.languages.registerHoverProvider(LIVE_DOCUMENTS, new LiveHovers(ctx)));
}
