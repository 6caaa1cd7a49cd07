import * as vscode from 'vscode';
import type { VariableDescription } from '../contract/service';

/** A remote value as a tooltip or a hover shows it: its name, full type and size, then its longer repr. */
export function descriptionMarkdown(name: string, d: VariableDescription, note?: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${escapeMarkdown(name)}**: \`${d.qualified.replace(/`/g, "'")}\`${d.size ? ` · ${escapeMarkdown(d.size)}` : ''}\n`);
  if (note) md.appendMarkdown(`\n${escapeMarkdown(note)}\n`);
  md.appendCodeblock(d.long, 'text');
  return md;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
