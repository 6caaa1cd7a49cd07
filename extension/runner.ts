import * as vscode from 'vscode';
import * as rpc from '../contract/service';
import { moveCursorAfterRun } from './config';
import type { Ctx } from './ctx';
import type { InlineResults } from './inlineResult';
import { specForLanguage } from './interpreters/gatewaySpecs';
import type { ResultsView } from './results/resultsView';
import { moveToNextStatement, type RunRequest } from './smartSend';

export interface RunOptions {
  /** What the results view calls the run, e.g. `cell 2`. */
  label?: string;
  /** Move the cursor to the next statement afterwards (the setting's value by default). */
  moveCursor?: boolean;
}

let runCounter = 0;

/**
 * Sends code from an editor to its language's gateway and shows how it went: a mark after its last line
 * (queued, running, then its value or error), a diagnostic where it raised, and its entry in the results
 * view (opened by the first run). Runs may be sent while others run: the gateway queues them.
 */
export class Runner {
  constructor(
    private readonly ctx: Ctx,
    private readonly inline: InlineResults,
    private readonly results: ResultsView,
  ) {}

  /** Where runs of a language go: the gateway chosen for it, else its spec made whole (opened on first use). */
  async target(languageId: string, document?: vscode.TextDocument): Promise<rpc.GatewayTarget | undefined> {
    const active = this.ctx.gateways.activeFor(languageId);
    if (active) return { gatewayId: active.id };
    return specForLanguage(this.ctx, languageId, document);
  }

  async run(editor: vscode.TextEditor, request: RunRequest, options: RunOptions = {}): Promise<rpc.ExecSelectionResult | undefined> {
    const document = editor.document;
    const languageId = document.languageId;
    let target: rpc.GatewayTarget | undefined;
    try {
      target = await this.target(languageId, document);
    } catch (err) {
      void vscode.window.showErrorMessage(`Remote Exec: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
    if (!target) {
      void vscode.window.showErrorMessage(
        `Remote Exec: no gateway for ${languageId}. Set "remoteExec.languageGateways": {"${languageId}": "popen//repl=…"} or open one with "Remote Exec: Open Gateway".`,
      );
      return undefined;
    }
    const runId = `run-${Date.now().toString(36)}-${++runCounter}`;
    let markLine = request.markLine;
    this.inline.running(editor, markLine);
    // The server says when the run is queued (with the lines it took) and when it starts.
    const progress = this.ctx.events.onRunChanged((e) => {
      if (e.runId !== runId) return;
      if (e.phase === 'queued') {
        if (e.range && e.range[1] !== markLine) {
          this.inline.clearLine(editor, markLine);
          markLine = e.range[1];
        }
        const summary = this.ctx.gateways.get(e.gatewayId);
        if (summary && !this.ctx.gateways.activeFor(languageId)) this.ctx.gateways.setActive(summary, languageId);
        const busy = (summary?.counters.running ?? 0) > 0;
        if (busy) this.inline.queued(editor, markLine, e.gatewayId);
        else this.inline.running(editor, markLine, e.gatewayId);
        void this.results.revealForRun(runId);
      } else if (e.phase === 'started') this.inline.running(editor, markLine, e.gatewayId);
    });
    let result: rpc.ExecSelectionResult;
    try {
      const { markLine: _markLine, ...params } = request;
      result = await this.ctx.request(rpc.execSelection, {
        ...target,
        ...params,
        uri: document.uri.toString(),
        runId,
        pixelRatio: this.results.pixelRatio,
        label: options.label,
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.inline.finished(editor, markLine, {
        gatewayId: '',
        runId,
        status: 'error',
        items: [],
        error: { type: 'Error', message, traceback: message, frames: [], interrupted: false },
      });
      void vscode.window.showErrorMessage(`Remote Exec: ${message}`);
      return undefined;
    } finally {
      progress.dispose();
    }
    const endLine = result.range?.[1] ?? markLine;
    if (result.status === 'skipped') this.inline.clearLine(editor, markLine);
    else this.inline.finished(editor, endLine, result);
    const summary = this.ctx.gateways.get(result.gatewayId);
    if (summary && !target.gatewayId && !this.ctx.gateways.activeFor(languageId)) this.ctx.gateways.setActive(summary, languageId);
    if (options.moveCursor ?? moveCursorAfterRun()) moveToNextStatement(editor, endLine);
    return result;
  }
}
