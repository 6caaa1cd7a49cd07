/**
 * Removes the indentation every non-blank line shares, as Python's `textwrap.dedent` (and so execnet's
 * `remote_exec`) does: remote code written as an indented triple-quoted string runs as written. Blank
 * lines, a leading one included, do not count and become empty; no line is added or removed, so a
 * traceback's line numbers are those of the string the user wrote.
 */
export function dedent(source: string): string {
  return dedentLines(source.split('\n')).join('\n');
}

/** `dedent` over lines (without their newlines). */
export function dedentLines(lines: string[]): string[] {
  let common: string | undefined;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const indent = /^[ \t]*/.exec(line)![0];
    if (common === undefined) {
      common = indent;
      continue;
    }
    let i = 0;
    while (i < common.length && i < indent.length && common[i] === indent[i]) i++;
    common = common.slice(0, i);
  }
  if (!common) return lines;
  const margin = common;
  return lines.map((l) => (l.trim() === '' ? '' : l.slice(margin.length)));
}
