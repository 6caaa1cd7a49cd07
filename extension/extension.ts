import * as vscode from 'vscode';
import { State } from 'vscode-languageclient/node';
import * as rpc from '../contract/service';
import { CellCodeLens } from './cells/cellCodeLens';
import { CurrentCell } from './cells/currentCell';
import { BackendRestarts } from './backendRestarts';
import { showBackendNotice } from './backendNotice';
import { createClient } from './client';
import { registerCommands } from './commands';
import { Ctx } from './ctx';
import { registerDataViewer } from './dataViewer';
import { registerLiveCompletions } from './editorCompletions';
import { registerLiveHovers } from './editorHovers';
import { InlineResults } from './inlineResult';
import { KeyContexts } from './keyContexts';
import { registerLogPanel } from './logPanel';
import { OBJECTS_VIEW_ID, ObjectsTree, type ObjectNode } from './objectsTree';
import { registerRemoteFiles } from './remoteFiles';
import { registerRemoteInput } from './remoteInput';
import { ResultsPersistence } from './results/persistence';
import { RESULTS_VIEW_ID, ResultsView } from './results/resultsView';
import { RunStore, DEFAULT_LIMITS } from './results/runStore';
import { Runner } from './runner';
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
  /** The runs of the results view, as the store holds them. */
  results: RunStore;
}

let ctx: Ctx | undefined;
let persistence: ResultsPersistence | undefined;

/**
 * Activation is cheap: nothing starts the server until the first request (a run, opening a gateway,
 * the status page), so opening a Python file costs no process.
 */
export function activate(context: vscode.ExtensionContext): RemoteExecExtension {
  const restarts = new BackendRestarts();
  const client = createClient(context, () => {
    const notice = restarts.exited(Date.now());
    if (ctx) void showBackendNotice(ctx, notice);
    return notice;
  });
  ctx = new Ctx(context, client, restarts);
  const c = ctx;
  context.subscriptions.push(c);

  const inline = c.push(new InlineResults());
  const filters = c.push(new VariableFilters(context.workspaceState));
  const tree = c.push(new ObjectsTree(c, filters));
  c.push(vscode.window.createTreeView(OBJECTS_VIEW_ID, { treeDataProvider: tree, showCollapseAll: true }));
  c.push(new GatewayStatusBar(c));
  c.push(new KeyContexts(c.gateways));
  registerDataViewer(c);
  registerLiveHovers(c);
  registerLiveCompletions(c);

  // The results view: runs from the server's run events, output lines and displays.
  const store = new RunStore(limits(), (uri) => vscode.workspace.asRelativePath(vscode.Uri.parse(uri)));
  const results = c.push(new ResultsView(context.extensionUri, c, store));
  c.push(vscode.window.registerWebviewViewProvider(RESULTS_VIEW_ID, results));
  const saved = (persistence = c.push(new ResultsPersistence(context.storageUri, store)));
  c.push(store.onDidChange(() => results.changed()));
  c.push(store.onDidChange(() => saved.changed()));
  void saved.restore();
  c.push(c.events.onRunChanged((e) => store.onRunEvent(e)));
  c.push(c.events.onLogEntries((entries) => store.onLogEntries(entries)));
  c.push(c.events.onDisplay((d) => store.onDisplay(d)));
  c.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('remoteExec.results')) store.setLimits(limits());
    }),
  );

  const cells = c.push(new CurrentCell());
  c.push(vscode.languages.registerCodeLensProvider({ scheme: '*' }, c.push(new CellCodeLens())));
  const runner = new Runner(c, inline, results);
  registerCommands({ ctx: c, inline, tree, filters, runner, cells, results });
  registerRemoteInput(c);
  registerRemoteFiles(c);

  // A (re)started server has its own set of gateways: none after a crash. What the old ones showed goes
  // with them (the new server's ids start again at gw0).
  c.push(
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) void client.sendRequest(rpc.listGateways).then((list) => c.gateways.replaceAll(list));
      if (e.newState === State.Stopped) {
        for (const gateway of c.gateways.list()) inline.clearGateway(gateway.id);
        c.gateways.replaceAll([]);
      }
    }),
  );

  // The log panel and status page take the shared notifications from c.events, never from
  // client.onNotification: a connection keeps one handler per method.
  registerLogPanel(c);
  registerStatusPage(c);

  return {
    ctx: c,
    inlineTextAt: (uri, line) => inline.textAt(uri, line),
    treeChildren: (node) => tree.getChildren(node),
    treeItem: (node) => tree.getTreeItem(node),
    whenTreeRefreshed: () => tree.whenRefreshed(),
    results: store,
  };
}

function limits() {
  const maxRuns = vscode.workspace.getConfiguration('remoteExec.results').get<number>('maxRuns', DEFAULT_LIMITS.maxRuns);
  return { ...DEFAULT_LIMITS, maxRuns: Math.max(100, Math.min(100_000, Math.floor(maxRuns))) };
}

export async function deactivate(): Promise<void> {
  await persistence?.save();
  persistence = undefined;
  // Stopping the client sends shutdown and exit; the server closes every gateway before it exits.
  if (ctx?.client.isRunning()) await ctx.client.stop(5000).catch(() => undefined);
  ctx = undefined;
}
