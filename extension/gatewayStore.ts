import * as vscode from 'vscode';
import type { GatewaySummary } from '../contract/service';
import type { ServerEvents } from './serverEvents';

/** Which language a gateway's agent serves in the editor. */
const AGENT_LANGUAGES: Record<string, string[]> = {
  python: ['python'],
  node: ['javascript', 'typescript', 'javascriptreact', 'typescriptreact'],
  // REPL gateways (repl=) name their interpreter.
  'python-repl': ['python'],
  'node-repl': ['javascript', 'typescript'],
  bash: ['shellscript'],
  sh: ['shellscript'],
  zsh: ['shellscript'],
  dash: ['shellscript'],
  ksh: ['shellscript'],
  R: ['r'],
};

/**
 * The extension's view of the server's gateways, kept current by `gatewayChanged` notifications, and the
 * gateway chosen for each editor language (the one a run goes to).
 */
export class GatewayStore implements vscode.Disposable {
  private readonly gateways = new Map<string, GatewaySummary>();
  private readonly active = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(events: ServerEvents) {
    this.subscription = events.onGatewayChanged((summary) => this.update(summary));
  }

  update(summary: GatewaySummary): void {
    if (summary.state === 'closed' && !summary.exitReason) this.gateways.delete(summary.id);
    else this.gateways.set(summary.id, summary);
    this.changed.fire();
  }

  replaceAll(list: GatewaySummary[]): void {
    this.gateways.clear();
    for (const g of list) this.gateways.set(g.id, g);
    for (const [language, id] of this.active) if (!this.gateways.has(id)) this.active.delete(language);
    this.changed.fire();
  }

  list(): GatewaySummary[] {
    return Array.from(this.gateways.values());
  }

  get(id: string): GatewaySummary | undefined {
    return this.gateways.get(id);
  }

  /** The open gateway chosen for a language, if any. */
  activeFor(languageId: string): GatewaySummary | undefined {
    const id = this.active.get(languageId);
    const summary = id ? this.gateways.get(id) : undefined;
    return summary && (summary.state === 'open' || summary.state === 'starting') ? summary : undefined;
  }

  /** Whether a gateway runs code of `languageId`: its agent's language, or the language it was chosen for. */
  serves(summary: GatewaySummary, languageId: string): boolean {
    if (this.active.get(languageId) === summary.id) return true;
    const language = summary.info?.language;
    return !!language && (language === languageId || (AGENT_LANGUAGES[language] ?? []).includes(languageId));
  }

  /** Makes a gateway the one runs of `languageId` go to (and of the languages its agent serves). */
  setActive(summary: GatewaySummary, languageId?: string): void {
    const languages = new Set(summary.info ? (AGENT_LANGUAGES[summary.info.language] ?? []) : []);
    if (languageId) languages.add(languageId);
    for (const language of languages) this.active.set(language, summary.id);
    this.update(summary);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
