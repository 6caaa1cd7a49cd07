import * as vscode from 'vscode';
import { State } from 'vscode-languageclient/node';
import * as rpc from '../contract/service';
import { createClient } from './client';
import { registerCommands } from './commands';
import { Ctx } from './ctx';
import { registerDataViewer } from './dataViewer';
import { registerLiveCompletions } from './editorCompletions';
import { registerLiveHovers } from './editorHovers';
import { InlineResults } from './inlineResult';
import { registerLogPanel } from './logPanel';
import { OBJECTS_VIEW_ID, ObjectsTree, type ObjectNode } from './objectsTree';
import { GatewayStatusBar } from './statusBar';
import { registerStatusPage } from './statusPage';
import { VariableFilters } from './variableFilters';

/** What activate() returns: enough for tests in the extension host to observe the UI state. */
export interface RemoteExecExtension {
  ctx: Ctx;
  /** The inline result shown after a line, if any. */
  inlineTextAt(uri: vscode.Uri, line: number): string | undefined;
  /** The explorer's rows under `node` (the gateways at the top). */
  treeChildren(node?: ObjectNode): Promise<ObjectNode[]>;
  treeItem(node: ObjectNode): vscode.TreeItem;
  /** Settles after the explorer has redrawn for the notifications received so far. */
  whenTreeRefreshed(): Promise<void>;
}

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): RemoteExecExtension {
  const client = createClient(context);
  ctx = new Ctx(context, client);
  const c = ctx;
  context.subscriptions.push(c);

  const inline = c.push(new InlineResults());
  const filters = c.push(new VariableFilters(context.workspaceState));
  const tree = c.push(new ObjectsTree(c, filters));
  c.push(vscode.window.createTreeView(OBJECTS_VIEW_ID, { treeDataProvider: tree, showCollapseAll: true }));
  c.push(new GatewayStatusBar(c));
  registerCommands({ ctx: c, inline, tree, filters });
  registerDataViewer(c);
  registerLiveHovers(c);
  registerLiveCompletions(c);

  // A run's transcript in the output channel: where it ran, then its output as it arrives.
  c.push(
    c.events.onRunChanged((e) => {
      if (e.phase === 'started')
        c.output.appendLine(
          `▶ ${e.uri ? vscode.workspace.asRelativePath(vscode.Uri.parse(e.uri)) : 'selection'}:${(e.startLine ?? 0) + 1} on ${e.gatewayId}`,
        );
    }),
  );
  c.push(
    c.events.onLogEntries((entries) => {
      for (const e of entries) if (e.run && (e.stream === 'stdout' || e.stream === 'stderr')) c.output.appendLine(e.text);
    }),
  );
  // A (re)started server has its own set of gateways: none after a crash.
  c.push(
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) void client.sendRequest(rpc.listGateways).then((list) => c.gateways.replaceAll(list));
      if (e.newState === State.Stopped) c.gateways.replaceAll([]);
    }),
  );

  // The log panel and status page take the shared notifications from c.events, never from
  // client.onNotification: a connection keeps one handler per method.
  registerLogPanel(c);
  registerStatusPage(c);

  void c
    .ensureStarted()
    .catch((err) => c.output.appendLine(`Remote Exec: the server did not start: ${err instanceof Error ? err.message : String(err)}`));

  return {
    ctx: c,
    inlineTextAt: (uri, line) => inline.textAt(uri, line),
    treeChildren: (node) => tree.getChildren(node),
    treeItem: (node) => tree.getTreeItem(node),
    whenTreeRefreshed: () => tree.whenRefreshed(),
  };
}

export async function deactivate(): Promise<void> {
  // Stopping the client sends shutdown and exit; the server closes every gateway before it exits.
  if (ctx?.client.isRunning()) await ctx.client.stop(5000).catch(() => undefined);
  ctx = undefined;
}
