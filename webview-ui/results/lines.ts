import { ansiClasses, hasAnsi, parseAnsi, type AnsiStyle } from '../shared/ansi';

/** Lines of output as a `pre`, ANSI colours as the theme's terminal colours (a style carries over lines). */
export function renderLines(lines: string[], className: string): HTMLElement {
  const pre = document.createElement('pre');
  pre.className = className;
  let style: AnsiStyle = {};
  lines.forEach((line, i) => {
    if (i > 0) pre.append('\n');
    if (!hasAnsi(line) && Object.keys(style).length === 0) {
      pre.append(line);
      return;
    }
    const parsed = parseAnsi(line, style);
    style = parsed.end;
    for (const seg of parsed.segments) {
      const classes = ansiClasses(seg.style);
      if (classes.length === 0) pre.append(seg.text);
      else {
        const span = document.createElement('span');
        span.className = classes.join(' ');
        span.textContent = seg.text;
        pre.append(span);
      }
    }
  });
  return pre;
}
