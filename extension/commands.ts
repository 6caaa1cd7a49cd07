import * as vscode from 'vscode';
import * as rpc from '../contract/service';
import { configuredGateways, languageGatewaySpec, moveCursorAfterRun } from './config';
import type { Ctx } from './ctx';
import { DataViewer } from './dataViewer';
import type { InlineResults } from './inlineResult';
import type { ObjectNode, ObjectsTree } from './objectsTree';
import { moveToNextStatement, runRequest } from './smartSend';
import type { VariableFilters } from './variableFilters';

/** Everything a command needs; each command is a factory taking it, so registration stays one table. */
export interface CommandDeps {
  ctx: Ctx;
  inline: InlineResults;
  tree: ObjectsTree;
  filters: VariableFilters;
}

type Factory = (deps: CommandDeps) => (...args: any[]) => unknown;

let runCounter = 0;

/** Remote Exec Selection: the selection or the statement under the cursor, run on its language's gateway. */
const execSelection: Factory =
  ({ ctx, inline }) =>
  async (): Promise<rpc.ExecSelectionResult | undefined> => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showWarningMessage('Remote Exec: open a file and select code to run.');
      return undefined;
    }
    const languageId = editor.document.languageId;
    const target = gatewayTarget(ctx, languageId);
    if (!target) {
      void vscode.window.showErrorMessage(
        `Remote Exec: no gateway for ${languageId}. Set "remoteExec.languageGateways": {"${languageId}": "popen//repl=…"} or open one with "Remote Exec: Open Gateway".`,
      );
      return undefined;
    }
    const request = runRequest(editor);
    if (!request) {
      if (moveCursorAfterRun()) moveToNextStatement(editor, editor.selection.active.line);
      return undefined;
    }
    const runId = `run-${Date.now().toString(36)}-${++runCounter}`;
    const uri = editor.document.uri.toString();
    inline.running(editor, request.markLine);
    let result: rpc.ExecSelectionResult;
    try {
      const { markLine: _markLine, ...params } = request;
      result = await ctx.request(rpc.execSelection, { ...target, ...params, uri, runId });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      inline.finished(editor, request.markLine, {
        gatewayId: '',
        runId,
        status: 'error',
        items: [],
        error: { type: 'Error', message, traceback: message, frames: [], interrupted: false },
      });
      ctx.output.appendLine(`✗ ${message}`);
      void vscode.window.showErrorMessage(`Remote Exec: ${message}`);
      return undefined;
    }
    const endLine = result.range?.[1] ?? request.markLine;
    if (result.status === 'skipped') inline.clearLine(editor, request.markLine);
    else inline.finished(editor, endLine, result);
    const summary = ctx.gateways.get(result.gatewayId);
    if (summary && !target.gatewayId) ctx.gateways.setActive(summary, languageId);
    reportResult(ctx, result, editor.document.uri);
    if (moveCursorAfterRun()) moveToNextStatement(editor, endLine);
    return result;
  };

/** Where runs of a language go: the gateway chosen for it, else its configured spec (opened on first use). */
function gatewayTarget(ctx: Ctx, languageId: string): rpc.GatewayTarget | undefined {
  const active = ctx.gateways.activeFor(languageId);
  if (active) return { gatewayId: active.id };
  const spec = languageGatewaySpec(languageId);
  return spec ? { spec } : undefined;
}

function reportResult(ctx: Ctx, result: rpc.ExecSelectionResult, uri: vscode.Uri): void {
  if (result.status === 'skipped') return;
  for (const item of result.items) ctx.output.appendLine(`  sent: ${item.repr}`);
  if (result.status === 'ok') {
    ctx.output.appendLine(result.value ? `⇒ ${result.value.repr}` : '✓ done');
    return;
  }
  const error = result.error!;
  ctx.output.appendLine(result.status === 'interrupted' ? '⏹ interrupted' : `✗ ${error.type}: ${error.message}`);
  ctx.output.appendLine(error.traceback.replace(/\n$/, ''));
  // path:line links the output view opens on a click.
  for (const frame of error.frames) ctx.output.appendLine(`  at ${vscode.Uri.parse(frame.uri ?? uri.toString()).fsPath}:${frame.line + 1}`);
  if (result.status === 'error') ctx.output.show(true);
}

/** Opens a gateway from the configured list or a typed spec, and makes it the active editor language's. */
const openGateway: Factory =
  ({ ctx }) =>
  async (arg?: { spec: string; name?: string }): Promise<rpc.GatewaySummary | undefined> => {
    const chosen = arg?.spec ? arg : await pickSpec(ctx);
    if (!chosen) return undefined;
    try {
      const summary = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Remote Exec: opening ${chosen.spec}` },
        () => ctx.request(rpc.openGateway, { spec: chosen.spec, name: chosen.name }),
      );
      ctx.gateways.setActive(summary, vscode.window.activeTextEditor?.document.languageId);
      return summary;
    } catch (err) {
      void vscode.window.showErrorMessage(`Remote Exec: cannot open ${chosen.spec}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  };

async function pickSpec(ctx: Ctx): Promise<{ spec: string; name?: string } | undefined> {
  type Item = vscode.QuickPickItem & { spec?: string; name?: string; enter?: boolean };
  const items: Item[] = configuredGateways().map((g) => ({ label: g.name, description: g.spec, spec: g.spec, name: g.name }));
  items.push(
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(edit) Enter a spec…', description: 'popen, ssh=host, socket=host:port, …//python=, node=, repl=', enter: true },
  );
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Remote Exec: Open Gateway',
    placeHolder: 'A configured gateway (remoteExec.gateways) or a spec',
  });
  if (!picked) return undefined;
  if (!picked.enter) return { spec: picked.spec!, name: picked.name };
  const spec = await vscode.window.showInputBox({
    title: 'Remote Exec: gateway spec',
    prompt: 'e.g. popen, popen//python=python3.11//chdir=/tmp, ssh=user@host//node=node, popen//repl=R --vanilla',
    validateInput: async (value) => {
      if (!value.trim()) return 'a spec, e.g. popen';
      const checked = await ctx.request(rpc.validateSpec, { spec: value.trim() });
      return checked.ok ? undefined : checked.error;
    },
  });
  return spec ? { spec: spec.trim() } : undefined;
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
  ({ ctx }) =>
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
    ctx.gateways.setActive(summary, languages);
    return summary;
  };

const interrupt: Factory =
  ({ ctx }) =>
  async (arg?: unknown) => {
    const gatewayId = await resolveGateway(ctx, arg);
    if (gatewayId) await ctx.request(rpc.interrupt, { gatewayId });
  };

const closeGateway: Factory =
  ({ ctx }) =>
  async (arg?: unknown) => {
    const gatewayId = await resolveGateway(ctx, arg);
    if (gatewayId) await ctx.request(rpc.closeGateway, { gatewayId });
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

/** Command id → factory; every id here is declared in package.json `contributes.commands`. */
export const COMMANDS: Record<string, Factory> = {
  'remoteExec.execSelection': execSelection,
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
};

export function registerCommands(deps: CommandDeps): void {
  for (const [id, factory] of Object.entries(COMMANDS)) deps.ctx.push(vscode.commands.registerCommand(id, factory(deps)));
}
