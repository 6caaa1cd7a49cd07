/**
 * The HTML shell of a webview, with the strict Content-Security-Policy both webviews use: nothing but
 * the nonce'd script, styles from the extension and inline ones carrying the nonce, no network.
 * Platform-free, so the browser tests render the very same page.
 */
export interface WebviewPage {
  title: string;
  /** `webview.cspSource`. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  /** Optional stylesheets (e.g. the codicon font's CSS), as webview URIs. */
  styleUris?: string[];
}

export function webviewHtml(page: WebviewPage): string {
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${page.nonce}'`,
    `style-src ${page.cspSource} 'nonce-${page.nonce}'`,
    `font-src ${page.cspSource}`,
    `img-src ${page.cspSource} data:`,
  ].join('; ');
  const styles = (page.styleUris ?? []).map((href) => `<link rel="stylesheet" href="${escapeAttr(href)}">`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="csp-nonce" content="${escapeAttr(page.nonce)}">
${styles}
<title>${escapeAttr(page.title)}</title>
</head>
<body>
<div id="root"></div>
<script nonce="${escapeAttr(page.nonce)}" src="${escapeAttr(page.scriptUri)}"></script>
</body>
</html>`;
}

/** A fresh nonce per page load. */
export function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => chars[b % chars.length]).join('');
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
