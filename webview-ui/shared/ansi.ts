/**
 * ANSI SGR escape codes → styled segments. Colours become classes (`ansi-fg-1`, `ansi-bold`) that the
 * stylesheet maps to VS Code's terminal theme colours, so output follows light, dark and high-contrast
 * themes. Other escape sequences (cursor moves, titles) are removed.
 */
export interface AnsiStyle {
  fg?: number;
  bg?: number;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

export interface Segment {
  text: string;
  style: AnsiStyle;
}

// CSI ... final byte, OSC ... BEL/ST, or a lone two-character escape.
// eslint-disable-next-line no-control-regex
const ESCAPE = /\x1b\[([0-9;:?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?/g;

export function hasAnsi(text: string): boolean {
  return text.includes('\x1b');
}

/** Splits `text` into segments of one style each; `start` is the style in force before it. */
export function parseAnsi(text: string, start: AnsiStyle = {}): { segments: Segment[]; end: AnsiStyle } {
  const segments: Segment[] = [];
  let style: AnsiStyle = { ...start };
  let last = 0;
  const push = (to: number) => {
    if (to > last) {
      const prev = segments[segments.length - 1];
      const piece = text.slice(last, to);
      if (prev && sameStyle(prev.style, style)) prev.text += piece;
      else segments.push({ text: piece, style: { ...style } });
    }
  };
  ESCAPE.lastIndex = 0;
  for (let m = ESCAPE.exec(text); m; m = ESCAPE.exec(text)) {
    push(m.index);
    last = m.index + m[0].length;
    if (m[2] === 'm') style = applySgr(style, m[1]);
  }
  push(text.length);
  return { segments, end: style };
}

export function applySgr(current: AnsiStyle, params: string): AnsiStyle {
  const style = { ...current };
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c === 0) {
      for (const k of Object.keys(style)) delete style[k as keyof AnsiStyle];
    } else if (c === 1) style.bold = true;
    else if (c === 2) style.dim = true;
    else if (c === 3) style.italic = true;
    else if (c === 4) style.underline = true;
    else if (c === 7) style.inverse = true;
    else if (c === 22) style.bold = style.dim = undefined;
    else if (c === 23) style.italic = undefined;
    else if (c === 24) style.underline = undefined;
    else if (c === 27) style.inverse = undefined;
    else if (c >= 30 && c <= 37) style.fg = c - 30;
    else if (c >= 90 && c <= 97) style.fg = c - 90 + 8;
    else if (c === 39) style.fg = undefined;
    else if (c >= 40 && c <= 47) style.bg = c - 40;
    else if (c >= 100 && c <= 107) style.bg = c - 100 + 8;
    else if (c === 49) style.bg = undefined;
    else if (c === 38 || c === 48) {
      // 256-colour and true-colour: the 16 theme colours are kept, other colours fall back to the default.
      const key = c === 38 ? 'fg' : 'bg';
      if (codes[i + 1] === 5) {
        const n = codes[i + 2];
        style[key] = n !== undefined && n < 16 ? n : undefined;
        i += 2;
      } else if (codes[i + 1] === 2) {
        style[key] = undefined;
        i += 4;
      }
    }
  }
  for (const k of Object.keys(style) as (keyof AnsiStyle)[]) if (style[k] === undefined) delete style[k];
  return style;
}

/** The CSS classes of a style: `ansi-fg-N`, `ansi-bg-N`, `ansi-bold`, ... */
export function ansiClasses(style: AnsiStyle): string[] {
  const out: string[] = [];
  const fg = style.inverse ? style.bg : style.fg;
  const bg = style.inverse ? style.fg : style.bg;
  if (fg !== undefined) out.push(`ansi-fg-${fg}`);
  else if (style.inverse) out.push('ansi-fg-inverse');
  if (bg !== undefined) out.push(`ansi-bg-${bg}`);
  else if (style.inverse) out.push('ansi-bg-inverse');
  if (style.bold) out.push('ansi-bold');
  if (style.dim) out.push('ansi-dim');
  if (style.italic) out.push('ansi-italic');
  if (style.underline) out.push('ansi-underline');
  return out;
}

/** The text without any escape sequences (for search and copy). */
export function stripAnsi(text: string): string {
  return hasAnsi(text) ? text.replace(ESCAPE, '') : text;
}

function sameStyle(a: AnsiStyle, b: AnsiStyle): boolean {
  return (
    a.fg === b.fg &&
    a.bg === b.bg &&
    !a.bold === !b.bold &&
    !a.dim === !b.dim &&
    !a.italic === !b.italic &&
    !a.underline === !b.underline &&
    !a.inverse === !b.inverse
  );
}
