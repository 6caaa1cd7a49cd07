import * as vscode from 'vscode';
import * as rpc from '../contract/service';
import { runAbove, runBelow, runCell, runCellAndAdvance, runFile } from './cells/cellCommands';
import type { CurrentCell } from './cells/currentCell';
import { moveCursorAfterRun } from './config';
import type { Ctx } from './ctx';
import { gatewayArgument } from './gatewayArgument';
import { pickGateway } from './gatewayPicker';
import { DataViewer } from './dataViewer';
import type { InlineResults } from './inlineResult';
import type { ObjectNode, ObjectsTree } from './objectsTree';
import { openSample } from './samples';
import { saveImage } from './results/resultsView';
import type { ResultsView } from './results/resultsView';
import type { Runner } from './runner';
import { moveToNextStatement, runRequest } from './smartSend';
import type { VariableFilters } from './variableFilters';

/** Everything a command needs; each command is a factory taking it, so registration stays one table. */
export interface CommandDeps {
  ctx: Ctx;
  inline: InlineResults;
  tree: ObjectsTree;
  runner: Runner;
  cells: CurrentCell;
  results: ResultsView;
  filters: VariableFilters;
}

export type Factory = (deps: CommandDeps) => (...args: any[]) => unknown;

/** Run Selection: the selection or the statement under the cursor, run on its language's gateway. */
const execSelection: Factory =
  ({ runner }) =>
  async (): Promise<rpc.ExecSelectionResult | undefined> => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showWarningMessage('Remote Exec: open a file and select code to run.');
      return undefined;
    }
    const request = runRequest(editor);
    if (!request) {
      if (moveCursorAfterRun()) moveToNextStatement(editor, editor.selection.active.line);
      return undefined;
    }
    return runner.run(editor, request);
  };

/**
 * Opens a gateway from the picker (interpreters, configured gateways, recent specs) and makes it the
 * active editor language's. A spec passed as an argument (by another extension or a link) is opened only
 * in a trusted workspace and once the user confirmed it (gatewayArgument.ts).
 */
const openGateway: Factory =
  ({ ctx }) =>
  async (arg?: unknown): Promise<rpc.GatewaySummary | undefined> => {
    const editor = vscode.window.activeTextEditor;
    const given = gatewayArgument(arg, vscode.workspace.isTrusted);
    if (given.kind === 'refused') {
      void vscode.window.showErrorMessage(`Remote Exec: ${given.reason}.`);
      return undefined;
    }
    if (given.kind === 'confirm' && (await vscode.window.showWarningMessage(given.question, { modal: true }, 'Open')) !== 'Open')
      return undefined;
    const chosen = given.kind === 'confirm' ? { spec: given.spec, name: given.name } : await pickGateway(ctx, editor?.document);
    if (!chosen) return undefined;
    try {
      const summary = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Remote Exec: opening ${chosen.spec}` },
        () => ctx.request(rpc.openGateway, { spec: chosen.spec, name: chosen.name }),
      );
      ctx.gateways.setActive(summary, editor?.document.languageId);
      await rememberSpec(ctx, chosen.spec, chosen.name);
      return summary;
    } catch (err) {
      void vscode.window.showErrorMessage(`Remote Exec: cannot open ${chosen.spec}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  };

/** The specs opened lately, newest first, for the picker. */
const RECENT_KEY = 'remoteExec.recentSpecs';
async function rememberSpec(ctx: Ctx, spec: string, name?: string): Promise<void> {
  const state = ctx.extensionContext.globalState;
  const recent = (state.get<{ spec: string; name?: string }[]>(RECENT_KEY) ?? []).filter((r) => r.spec !== spec);
  await state.update(RECENT_KEY, [{ spec, name }, ...recent].slice(0, 10));
}

/**
 * Chooses which open gateway the active editor language's runs go to (or opens another): the gateways
 * of that language only, the current one marked. From a gateway's row it switches to that one.
 */
const switchGateway: Factory =
  (deps) =>
  async (arg?: unknown): Promise<rpc.GatewaySummary | undefined> => {
    const { ctx } = deps;
    const languageId = vscode.window.activeTextEditor?.document.languageId;
    const gatewayId = typeof arg === 'string' ? arg : isNode(arg) ? arg.gatewayId : undefined;
    let chosen = gatewayId ? ctx.gateways.get(gatewayId) : undefined;
    if (!chosen) {
      const current = languageId ? ctx.gateways.activeFor(languageId) : undefined;
      const open = ctx.gateways.list().filter((g) => g.state === 'open' && (!languageId || ctx.gateways.serves(g, languageId)));
      type Item = vscode.QuickPickItem & { id?: string };
      const items: Item[] = open.map((g) => ({
        label: `${g.id === current?.id ? '$(check) ' : ''}${g.id}`,
        description: `${g.id === current?.id ? 'current · ' : ''}${g.name ? `${g.name} · ` : ''}${g.spec}`,
        detail: g.info ? `${g.info.language} ${g.info.version} · pid ${g.info.pid}` : undefined,
        id: g.id,
      }));
      items.push({ label: '$(add) Open Gateway…' });
      const picked = await vscode.window.showQuickPick(items, {
        title: `Remote Exec: gateway for ${languageId ?? 'runs'}`,
        placeHolder: open.length ? `Open gateways for ${languageId ?? 'runs'}` : `No gateway for ${languageId ?? 'runs'} is open`,
      });
      if (!picked) return undefined;
      if (!picked.id) return (await openGateway(deps)()) as rpc.GatewaySummary | undefined;
      chosen = ctx.gateways.get(picked.id);
    }
    // A gateway of another language (chosen from its row) takes its own languages' runs, not this editor's.
    if (chosen) ctx.gateways.setActive(chosen, languageId && ctx.gateways.serves(chosen, languageId) ? languageId : undefined);
    return chosen;
  };

/** From a gateway's row: its language's runs go to it. */
const useGateway: Factory = (deps) => (node?: ObjectNode) => (node ? switchGateway(deps)(node) : undefined);

function isNode(arg: unknown): arg is ObjectNode {
  return !!arg && typeof arg === 'object' && 'kind' in arg && 'gatewayId' in arg;
}

/** The gateway a gateway command acts on: the tree row's, the given id, the active one, or a pick. */
async function resolveGateway(ctx: Ctx, arg: unknown): Promise<string | undefined> {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'gatewayId' in arg) return (arg as ObjectNode).gatewayId;
  const languageId = vscode.window.activeTextEditor?.document.languageId ?? 'python';
  const active = ctx.gateways.activeFor(languageId);
  if (active) return active.id;
  const open = ctx.gateways.list().filter((g) => g.state === 'open');
  if (open.length === 1) return open[0].id;
  if (open.length === 0) {
    void vscode.window.showInformationMessage('Remote Exec: no gateway is open.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(open.map((g) => ({ label: g.id, description: g.spec }))))?.label;
}

/**
 * A fresh session under the same id. Asked from the UI (a row, the palette) it asks first, since the
 * session's variables are lost; called with a gateway id (an API call) it does not.
 */
const restartGateway: Factory =
  ({ ctx, inline }) =>
  async (arg?: unknown) => {
    const gatewayId = await resolveGateway(ctx, arg);
    if (!gatewayId) return undefined;
    if (typeof arg !== 'string') {
      const answer = await vscode.window.showWarningMessage(
        `Restart ${gatewayId}? Its session ends: variables, imports and running code are lost.`,
        {
          modal: true,
          detail: `A new interpreter starts with the same spec (${ctx.gateways.get(gatewayId)?.spec ?? ''}) under the id ${gatewayId}.`,
        },
        'Restart',
      );
      if (answer !== 'Restart') return undefined;
    }
    const languages = vscode.window.activeTextEditor?.document.languageId;
    const summary = await ctx.request(rpc.restartGateway, { gatewayId });
    inline.clearGateway(gatewayId);
    ctx.gateways.setActive(summary, languages);
    return summary;
  };

/** Interrupts the running run of the gateway; queued runs then start in turn. */
const interrupt: Factory =
  ({ ctx }) =>
  async (arg?: unknown) => {
    const gatewayId = await resolveGateway(ctx, arg);
    if (gatewayId) await ctx.request(rpc.interrupt, { gatewayId });
  };

/** Interrupts the running run and cancels every queued one, so nothing more starts. */
const interruptAndClearQueue: Factory =
  ({ ctx }) =>
  async (arg?: unknown) => {
    const gatewayId = await resolveGateway(ctx, arg);
    if (gatewayId) await ctx.request(rpc.interrupt, { gatewayId, clearQueue: true });
  };

const closeGateway: Factory =
  ({ ctx, inline }) =>
  async (arg?: unknown) => {
    const gatewayId = await resolveGateway(ctx, arg);
    if (!gatewayId) return;
    await ctx.request(rpc.closeGateway, { gatewayId });
    inline.clearGateway(gatewayId);
  };

/** Releases an object this window holds (a run's value); a namespace variable holds none to release. */
const releaseObject: Factory =
  ({ ctx }) =>
  async (node?: ObjectNode) => {
    if (node?.kind !== 'object' || !node.object.held) return;
    try {
      await ctx.request(rpc.releaseObject, { gatewayId: node.gatewayId, objectId: node.object.id });
    } catch (err) {
      void vscode.window.showWarningMessage(`Remote Exec: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

/** Copies a row's longer repr (or an object's repr), computed by the agent. */
const copyRepr: Factory =
  ({ ctx }) =>
  async (node?: ObjectNode) => {
    if (!node) return;
    let text: string | undefined;
    if (node.kind === 'variable')
      text = (await ctx.request(rpc.describeVariable, { gatewayId: node.gatewayId, objectId: node.objectId, path: node.path })).long;
    else if (node.kind === 'object') text = await ctx.request(rpc.reprObject, { gatewayId: node.gatewayId, objectId: node.object.id });
    if (text !== undefined) await vscode.env.clipboard.writeText(text);
  };

/**
 * Opens a frame, a series, an array or a list of records in the Data Viewer: from its row, or from the
 * palette, by picking one of the session's variables it can show.
 */
const openDataViewer: Factory =
  ({ ctx }) =>
  async (node?: ObjectNode) => {
    if (node?.kind === 'variable') {
      DataViewer.createOrShow(ctx, { gatewayId: node.gatewayId, objectId: node.objectId, path: node.path, name: node.expression });
      return;
    }
    const gatewayId = await resolveGateway(ctx, node);
    if (!gatewayId) return;
    const page = await ctx.request(rpc.variables, { gatewayId, path: [], offset: 0, limit: 1000, filter: { private: true } });
    const viewable = page.rows.filter((r) => r.viewable);
    if (viewable.length === 0) {
      void vscode.window.showInformationMessage(
        `Remote Exec: no variable of ${gatewayId} can be shown as a table (a DataFrame, a Series, an array, a list of dicts or of lists can).`,
      );
      return;
    }
    const picked = await vscode.window.showQuickPick(
      viewable.map((r) => ({ label: r.name, description: [r.type, r.size].filter(Boolean).join(' · '), row: r })),
      { title: `Remote Exec: Open in Data Viewer (${gatewayId})` },
    );
    if (picked) DataViewer.createOrShow(ctx, { gatewayId, path: [picked.row.key], name: picked.row.name });
  };

const closeChannel: Factory =
  ({ ctx }) =>
  async (node?: ObjectNode) => {
    if (node?.kind === 'channel') await ctx.request(rpc.closeChannel, { gatewayId: node.gatewayId, channelId: node.channel.id });
  };

const refreshObjects: Factory =
  ({ ctx, tree }) =>
  async () => {
    ctx.gateways.replaceAll(await ctx.request0(rpc.listGateways));
    tree.refreshSoon();
  };

const loadMore: Factory =
  ({ tree }) =>
  (node: ObjectNode) =>
    tree.loadMore(node);

const filterVariables: Factory =
  ({ filters }) =>
  () =>
    filters.editText();

const showInVariables: Factory =
  ({ filters }) =>
  () =>
    filters.editToggles();

const sortVariables: Factory =
  ({ filters }) =>
  () =>
    filters.editSort();

const clearVariableFilter: Factory =
  ({ filters }) =>
  () =>
    filters.clear();

const showOutput: Factory =
  ({ ctx }) =>
  () =>
    ctx.output.show(true);

const restartBackend: Factory =
  ({ ctx }) =>
  () =>
    ctx.restartBackend();

const showResults: Factory =
  ({ results }) =>
  () =>
    results.show(false);

const clearResults: Factory =
  ({ results }) =>
  () =>
    results.store.clear();

const collapseAllResults: Factory =
  ({ results }) =>
  () =>
    results.collapseAll();

const copyAllResults: Factory =
  ({ results }) =>
  () =>
    vscode.env.clipboard.writeText(
      results.store
        .runs()
        .map((r) => results.store.textOf(r.id))
        .join('\n\n'),
    );

/** From the results view's context menu: its data-vscode-context names the run and the output. */
const saveResultImage: Factory =
  ({ results }) =>
  (context?: { runId?: string; output?: number }) =>
    context?.runId !== undefined && saveImage(results.store.get(context.runId), Number(context.output));

const copyResultOutput: Factory =
  ({ results }) =>
  (context?: { runId?: string }) =>
    context?.runId !== undefined && vscode.env.clipboard.writeText(results.store.outputText(context.runId));

/** Command id → factory; every id here is declared in package.json `contributes.commands`. */
export const COMMANDS: Record<string, Factory> = {
  'remoteExec.execSelection': execSelection,
  'remoteExec.runCell': runCell,
  'remoteExec.runCellAndAdvance': runCellAndAdvance,
  'remoteExec.runAbove': runAbove,
  'remoteExec.runBelow': runBelow,
  'remoteExec.runFile': runFile,
  'remoteExec.interruptAndClearQueue': interruptAndClearQueue,
  'remoteExec.showResults': showResults,
  'remoteExec.results.clear': clearResults,
  'remoteExec.results.collapseAll': collapseAllResults,
  'remoteExec.results.copyAll': copyAllResults,
  'remoteExec.results.saveImage': saveResultImage,
  'remoteExec.results.copyOutput': copyResultOutput,
  'remoteExec.openSample': () => openSample,
  'remoteExec.openGateway': openGateway,
  'remoteExec.switchGateway': switchGateway,
  'remoteExec.useGateway': useGateway,
  'remoteExec.restartGateway': restartGateway,
  'remoteExec.interrupt': interrupt,
  'remoteExec.closeGateway': closeGateway,
  'remoteExec.releaseObject': releaseObject,
  'remoteExec.copyRepr': copyRepr,
  'remoteExec.closeChannel': closeChannel,
  'remoteExec.refreshObjects': refreshObjects,
  'remoteExec.loadMore': loadMore,
  'remoteExec.openDataViewer': openDataViewer,
  'remoteExec.filterVariables': filterVariables,
  'remoteExec.showInVariables': showInVariables,
  'remoteExec.sortVariables': sortVariables,
  'remoteExec.clearVariableFilter': clearVariableFilter,
  'remoteExec.showOutput': showOutput,
  'remoteExec.restartBackend': restartBackend,
};

export function registerCommands(deps: CommandDeps): void {
  for (const [id, factory] of Object.entries(COMMANDS)) deps.ctx.push(vscode.commands.registerCommand(id, factory(deps)));
}
