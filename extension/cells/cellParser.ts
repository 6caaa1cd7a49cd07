/**
 * `# %%` cells, as the Jupyter and Python extensions find them: a cell starts at a line `# %%` (also
 * `#%%`, `# %% title`, `# %% [markdown]`) or `# In[ ]:` / `# In[12]:`, in languages whose comments start
 * with `#`; `// %%` in those whose comments start with `//` (JavaScript, TypeScript, ...). A cell runs to the
 * line before the next marker. Lines above the first marker belong to no cell. Free of `vscode`.
 */
export interface Cell {
  /** 0-based line of the marker. */
  start: number;
  /** 0-based last line (before the next marker, trailing blank lines left out). */
  end: number;
  kind: 'code' | 'markdown';
  /** What follows `%%` on the marker line, e.g. `Load the data`. */
  title: string;
}

const SLASH_COMMENTS = new Set([
  'javascript',
  'typescript',
  'javascriptreact',
  'typescriptreact',
  'c',
  'cpp',
  'csharp',
  'java',
  'go',
  'rust',
  'scala',
  'kotlin',
  'swift',
  'dart',
]);

/** The marker pattern of a language: group 1 is the title. */
export function markerPattern(languageId: string): RegExp {
  return SLASH_COMMENTS.has(languageId) ? /^\s*\/\/\s*%%(.*)$/ : /^\s*#\s*(?:%%|In\[\s*\d*\s*\]:)(.*)$/;
}

export function parseCells(lines: readonly string[], languageId: string): Cell[] {
  const marker = markerPattern(languageId);
  const starts: { line: number; title: string }[] = [];
  lines.forEach((text, line) => {
    const m = marker.exec(text);
    if (m) starts.push({ line, title: m[1].trim() });
  });
  return starts.map((s, i) => {
    let end = i + 1 < starts.length ? starts[i + 1].line - 1 : lines.length - 1;
    while (end > s.line && lines[end].trim() === '') end--;
    const markdown = /^\[(markdown|md)\]/i.test(s.title);
    return { start: s.line, end, kind: markdown ? 'markdown' : 'code', title: markdown ? s.title.replace(/^\[[^\]]*\]\s*/, '') : s.title };
  });
}

/** The cell a line is in, if any. */
export function cellAt(cells: readonly Cell[], line: number): Cell | undefined {
  for (let i = cells.length - 1; i >= 0; i--) {
    const next = cells[i + 1]?.start ?? Number.POSITIVE_INFINITY;
    if (cells[i].start <= line && line < next) return cells[i];
  }
  return undefined;
}

/** The code of a cell as it is sent: its lines, marker included (a comment), so tracebacks count from the marker. */
export function cellSource(lines: readonly string[], cell: Cell): string {
  return lines.slice(cell.start, cell.end + 1).join('\n') + '\n';
}
