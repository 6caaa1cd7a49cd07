import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { makeNonce, webviewHtml } from '../../extension/webviewHtml';

/**
 * A webview's own page (dist/webview/NAME.js) served as VS Code would: the same HTML shell and CSP, the
 * theme's CSS variables, and a stand-in for `acquireVsCodeApi` that records what the page posts and
 * keeps its state like VS Code does. Driven in Debian's Chromium by playwright-core.
 */
export const REPO = path.resolve(__dirname, '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const THEMES: Record<string, string> = {
  dark: '--vscode-foreground:#cccccc;--vscode-editor-background:#1e1e1e;--vscode-panel-background:#181818;--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-editor-font-family:monospace;--vscode-editor-font-size:13px;--vscode-button-secondaryBackground:#3a3d41;--vscode-button-secondaryForeground:#cccccc;--vscode-terminal-ansiRed:#f14c4c;--vscode-terminal-ansiGreen:#23d18b;--vscode-terminal-ansiBlue:#3b8eea;--vscode-terminal-ansiYellow:#f5f543;--vscode-editorError-foreground:#f14c4c;--vscode-editorWarning-foreground:#cca700;--vscode-textLink-foreground:#3794ff;--vscode-panel-border:#80808059;--vscode-testing-iconPassed:#73c991;--vscode-textCodeBlock-background:#2b2b2b;--vscode-charts-blue:#3794ff;--vscode-charts-yellow:#cca700;--vscode-input-background:#3c3c3c;--vscode-input-foreground:#cccccc;--vscode-button-background:#0e639c;--vscode-button-foreground:#ffffff;--vscode-inputValidation-warningBackground:#352a05;--vscode-charts-orange:#d18616;--vscode-editorWidget-background:#252526;--vscode-descriptionForeground:#9d9d9d;--vscode-list-hoverBackground:#2a2d2e;--vscode-focusBorder:#007fd4',
  light:
    '--vscode-foreground:#3b3b3b;--vscode-editor-background:#ffffff;--vscode-panel-background:#f8f8f8;--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-editor-font-family:monospace;--vscode-editor-font-size:13px;--vscode-button-secondaryBackground:#e5e5e5;--vscode-button-secondaryForeground:#3b3b3b;--vscode-terminal-ansiRed:#cd3131;--vscode-terminal-ansiGreen:#00bc00;--vscode-terminal-ansiBlue:#0451a5;--vscode-terminal-ansiYellow:#949800;--vscode-editorError-foreground:#e51400;--vscode-editorWarning-foreground:#bf8803;--vscode-textLink-foreground:#005fb8;--vscode-panel-border:#e5e5e5;--vscode-testing-iconPassed:#388a34;--vscode-textCodeBlock-background:#f0f0f0;--vscode-charts-blue:#1a85ff;--vscode-charts-yellow:#bf8803;--vscode-input-background:#ffffff;--vscode-input-foreground:#3b3b3b;--vscode-input-border:#cecece;--vscode-button-background:#005fb8;--vscode-button-foreground:#ffffff;--vscode-inputValidation-warningBackground:#f6f5d2;--vscode-charts-orange:#d18616;--vscode-editorWidget-background:#f8f8f8;--vscode-descriptionForeground:#717171;--vscode-list-hoverBackground:#f2f2f2;--vscode-focusBorder:#005fb8',
};

export interface WebviewServer {
  origin: string;
  close(): void;
}

/** Serves `/?view=NAME&theme=dark|light` and the view's script. */
export async function serveWebviews(): Promise<WebviewServer> {
  let origin = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const script = /^\/([A-Za-z]+)\.js$/.exec(url.pathname);
    if (script) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(fs.readFileSync(path.join(REPO, 'dist/webview', `${script[1]}.js`)));
      return;
    }
    const view = url.searchParams.get('view') ?? 'results';
    const nonce = makeNonce();
    const html = webviewHtml({ title: view, cspSource: origin, nonce, scriptUri: `/${view}.js` }).replace(
      '</head>',
      `<style nonce="${nonce}">html{${THEMES[url.searchParams.get('theme') ?? 'dark']}} body{margin:0}</style></head>`,
    );
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { origin, close: () => server.close() };
}

/** The stand-in for VS Code's webview API, as page source (tsx's `__name` helper shimmed for evaluate). */
export const VSCODE_API_STUB = `
  window.__name = (f) => f;
  window.posted = [];
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.posted.push(m),
    getState: () => window.savedState,
    setState: (s) => { window.savedState = s; },
  });
`;
