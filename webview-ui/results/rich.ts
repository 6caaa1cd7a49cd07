import DOMPurify from 'dompurify';
import type { RunOutput } from '../../contract/webviews';
import { markdownToHtml } from './markdown';

type Display = Extract<RunOutput, { kind: 'display' }>;

/**
 * The MIME types a display is shown by, richest first (the order of Jupyter's display protocol as the
 * results view takes it): images, then HTML, Markdown, LaTeX (as text), JSON, and the plain text.
 */
export const MIME_ORDER = [
  'image/png',
  'image/jpeg',
  'image/svg+xml',
  'text/html',
  'text/markdown',
  'text/latex',
  'application/json',
  'text/plain',
] as const;

export type ShownMime = (typeof MIME_ORDER)[number];

/** The richest type of a bundle this view can show. */
export function bestMime(data: Record<string, unknown>): ShownMime | undefined {
  return MIME_ORDER.find((mime) => data[mime] !== undefined && data[mime] !== null);
}

// Sanitizing: no scripts, no styles (the CSP would refuse them anyway), nothing fetched from elsewhere.
const PURIFY: DOMPurify.Config = {
  FORBID_TAGS: [
    'style',
    'script',
    'iframe',
    'frame',
    'object',
    'embed',
    'form',
    'input',
    'button',
    'link',
    'meta',
    'base',
    'audio',
    'video',
  ],
  FORBID_ATTR: ['style', 'srcset', 'action', 'formaction'],
  ALLOW_DATA_ATTR: false,
};
let hooked = false;

/** HTML as it may be shown under the view's CSP: sanitized, images only from data: URIs, links only to the web. */
export function sanitizeHtml(html: string): string {
  if (!hooked) {
    hooked = true;
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      const el = node as Element;
      if (el.hasAttribute?.('src') && !/^data:image\//i.test(el.getAttribute('src') ?? '')) el.removeAttribute('src');
      if (el.hasAttribute?.('href') && !/^https?:/i.test(el.getAttribute('href') ?? '')) el.removeAttribute('href');
    });
  }
  return DOMPurify.sanitize(withoutInlineCode(html), PURIFY) as unknown as string;
}

/**
 * The HTML without style and script elements and without inline styles and handlers, taken out as text
 * before it is parsed: parsing them at all makes the browser report CSP refusals (nothing runs; the
 * sanitizer below would remove them anyway). Not a security boundary: DOMPurify is.
 */
function withoutInlineCode(html: string): string {
  return html.replace(/<(style|script)\b[\s\S]*?<\/\1\s*>/gi, '').replace(/\s(?:on[a-z]+|style)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)/gi, '');
}

/** One display, rendered by its richest type; `index` is its place in the run's outputs (for Save Image). */
export function renderDisplay(output: Display, runId: string, index: number): HTMLElement {
  const mime = bestMime(output.data);
  const box = document.createElement('div');
  box.className = `display mime-${(mime ?? 'none').replace(/[^a-z]+/g, '-')}`;
  const value = mime ? output.data[mime] : '';
  switch (mime) {
    case 'image/png':
    case 'image/jpeg':
    case 'image/svg+xml': {
      const img = document.createElement('img');
      img.src = `data:${mime};base64,${mime === 'image/svg+xml' ? utf8Base64(String(value)) : String(value)}`;
      img.alt = String(output.data['text/plain'] ?? 'image');
      const meta = (output.metadata?.[mime] ?? {}) as { width?: number; height?: number };
      if (typeof meta.width === 'number') img.width = meta.width;
      if (typeof meta.height === 'number') img.height = meta.height;
      img.dataset.vscodeContext = JSON.stringify({ webviewSection: 'image', runId, output: index, preventDefaultContextMenuItems: true });
      const save = document.createElement('button');
      save.className = 'image-save';
      save.textContent = 'Save…';
      save.title = 'Save the image as a file';
      save.dataset.action = 'save-image';
      save.dataset.output = String(index);
      box.append(img, save);
      break;
    }
    case 'text/html':
      box.innerHTML = sanitizeHtml(String(value));
      break;
    case 'text/markdown':
      box.innerHTML = sanitizeHtml(markdownToHtml(String(value)));
      break;
    case 'application/json': {
      const pre = document.createElement('pre');
      pre.textContent = JSON.stringify(value, null, 2);
      box.append(pre);
      break;
    }
    default: {
      const pre = document.createElement('pre');
      pre.textContent = String(value ?? '');
      box.append(pre);
    }
  }
  return box;
}

function utf8Base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
