import { dedentLines as dedent } from '../../protocol';
import type { ManagedGateway } from './managedGateway';

/** The code of one run and the 0-based document lines [first, last] it came from. */
export interface Statement {
  source: string;
  range: [number, number];
}

/**
 * The top-level statement of `document` around the 0-based `cursorLine`, as the gateway's own parser
 * sees it (OBJECT `statement_at`: a whole `def`, decorators included), or the block of non-blank lines
 * around it where the gateway has no parser (a REPL); undefined on a blank line or outside any statement.
 */
export async function statementAt(managed: ManagedGateway, document: string, cursorLine: number): Promise<Statement | undefined> {
  const lines = document.split('\n');
  if (cursorLine < 0 || cursorLine >= lines.length || lines[cursorLine].trim() === '') return undefined;
  let range: [number, number] | undefined;
  try {
    // The agent counts lines from 1; the contract, like the editor, from 0.
    const found = await managed.open().objectRequest(null, [['statement_at', document, cursorLine + 1]], 'value');
    range = Array.isArray(found) && typeof found[0] === 'number' && typeof found[1] === 'number' ? [found[0] - 1, found[1] - 1] : undefined;
    if (!range) return undefined;
  } catch {
    range = blockAround(lines, cursorLine);
  }
  return { source: dedent(lines.slice(range[0], range[1] + 1)).join('\n') + '\n', range };
}

/** A selection as a run sends it: one line trimmed, several lines dedented so an indented block runs. */
export function selection(source: string, startLine: number): Statement {
  const lines = source.replace(/\n$/, '').split('\n');
  if (lines.length === 1) return { source: lines[0].trim(), range: [startLine, startLine] };
  return { source: dedent(lines).join('\n') + '\n', range: [startLine, startLine + lines.length - 1] };
}

function blockAround(lines: string[], line: number): [number, number] {
  let start = line;
  let end = line;
  while (start > 0 && lines[start - 1].trim() !== '') start--;
  while (end < lines.length - 1 && lines[end + 1].trim() !== '') end++;
  return [start, end];
}
