import type * as vscode from 'vscode';
import type { GatewaySummary } from '../contract/service';
import type { Ctx } from './ctx';

/** An identifier in Python and JavaScript (and most languages with a REPL). */
const IDENT = /[\p{L}_$][\p{L}\p{N}_$]*/u;
const CHAIN_BEFORE = /((?:[\p{L}_$][\p{L}\p{N}_$]*\s*\.\s*)*)([\p{L}_$][\p{L}\p{N}_$]*)?$/u;

/**
 * The gateway that can answer for names in `document`: the one its language's runs go to, open and not
 * running anything (a hover never queues behind a run, nor reads what a run is changing).
 */
export function idleGatewayFor(ctx: Ctx, document: vscode.TextDocument): GatewaySummary | undefined {
  const g = ctx.gateways.activeFor(document.languageId);
  return g && g.state === 'open' && g.counters.running === 0 && g.info?.capabilities.includes('objects') ? g : undefined;
}

/**
 * The dotted name a hover at `position` points into, up to the hovered name: `df.shape` on `shape`, `df`
 * on `df`. Undefined where it is not a plain name chain (`f().x`, `a[0].x`, `"s".upper`).
 */
export function dottedNameAt(
  document: vscode.TextDocument,
  position: vscode.Position,
): { names: string[]; range: vscode.Range } | undefined {
  const word = document.getWordRangeAtPosition(position, IDENT);
  if (!word) return undefined;
  const line = document.lineAt(position.line).text;
  const chain = CHAIN_BEFORE.exec(line.slice(0, word.end.character));
  if (!chain || chain[2] === undefined) return undefined;
  const start = word.end.character - chain[0].length;
  if (!plainBefore(line, start)) return undefined;
  const names = (chain[1] + chain[2]).split('.').map((n) => n.trim());
  return { names, range: word.with({ start: word.start.with({ character: start }) }) };
}

/**
 * What a completion at `position` completes: the dotted name before the last dot (empty for a name of
 * its own) and the part of a name typed after it.
 */
export function completionContext(
  document: vscode.TextDocument,
  position: vscode.Position,
): { names: string[]; prefix: string } | undefined {
  const line = document.lineAt(position.line).text.slice(0, position.character);
  const chain = CHAIN_BEFORE.exec(line);
  if (!chain || chain[0] === '') return undefined;
  if (!plainBefore(line, line.length - chain[0].length)) return undefined;
  const names = chain[1]
    .split('.')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const prefix = chain[2] ?? '';
  if (names.length === 0 && prefix === '') return undefined;
  return { names, prefix };
}

/** Whether the chain starting at `start` begins a name of its own (not a member of a call, an index or a literal). */
function plainBefore(line: string, start: number): boolean {
  const before = line.slice(0, start).trimEnd();
  const last = before[before.length - 1];
  if (last === undefined) return true;
  return !/[.)\]'"`\p{L}\p{N}_$]/u.test(last);
}
