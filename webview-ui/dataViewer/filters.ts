import type { TableFilter } from '../../contract/webviews';

/**
 * What a filter typed under a column means, as spreadsheet users write it: `> 5`, `<= 2.5`, `= 3`,
 * `!= 0` compare numbers (in a numeric column a bare number means `= n`); in a text column a bare word
 * matches cells containing it (any case), `= word` and `!= word` match whole cells. Empty: no filter.
 * Returns the filter, or an error to show under the column.
 */
export function parseFilter(column: number, text: string, numeric: boolean): { filter?: TableFilter; error?: string } {
  const t = text.trim();
  if (!t) return {};
  const m = /^(>=|<=|!=|==|=|>|<)\s*(.*)$/.exec(t);
  const op = m ? OPS[m[1]] : undefined;
  const operand = m ? m[2].trim() : t;
  const number = operand !== '' && Number.isFinite(Number(operand)) ? Number(operand) : undefined;
  if (op === 'lt' || op === 'le' || op === 'gt' || op === 'ge') {
    if (number !== undefined) return { filter: [column, op, number] };
    if (numeric) return { error: `${m![1]} needs a number` };
    return { filter: [column, op, operand] };
  }
  if (op) {
    if (operand === '') return { error: `${m![1]} needs a value` };
    return { filter: [column, op, numeric && number !== undefined ? number : operand] };
  }
  if (numeric) {
    if (number === undefined) return { error: 'a number, or > < >= <= = != and a number' };
    return { filter: [column, 'eq', number] };
  }
  return { filter: [column, 'contains', operand] };
}

const OPS: Record<string, TableFilter[1]> = { '>': 'gt', '>=': 'ge', '<': 'lt', '<=': 'le', '=': 'eq', '==': 'eq', '!=': 'ne' };
