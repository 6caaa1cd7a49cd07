import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as util from 'util';
import { freePort } from './ports';

/**
 * A real VS Code for end-to-end tests: the VS Code server inside the npm package code-server (installed
 * by scripts/setup-e2e.sh into .e2e/code-server), started on 127.0.0.1 under its own process group, with
 * every state folder (XDG_*, TMPDIR, user data, extensions) in a temp folder removed afterwards.
 */
export const REPO = path.resolve(__dirname, '../..');
export const SERVER_MAIN = path.join(REPO, '.e2e/code-server/node_modules/code-server/lib/vscode/out/server-main.js');
export const SCREENSHOTS = path.join(REPO, 'test-results/screenshots');

export interface VsCodeServer {
  port: number;
  origin: string;
  root: string;
  workspace: string;
  log(): string;
  stop(): Promise<void>;
}

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'window.restoreWindows': 'none',
  'editor.minimap.enabled': false,
};

/** Packages the extension as `npm run package` does, into a temp folder; `dispose` removes it. */
export function packageVsix(): { vsix: string; dispose(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-vsix-'));
  const vsix = path.join(dir, 'remote-exec.vsix');
  execFileSync(
    process.execPath,
    [
      require.resolve('@vscode/vsce/vsce'),
      'package',
      '--no-dependencies',
      '--allow-missing-repository',
      '--skip-license',
      '--no-rewrite-relative-links',
      '-o',
      vsix,
    ],
    { cwd: REPO, stdio: 'pipe' },
  );
  return { vsix, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The packaged extension installed in a running VS Code server, with a browser to drive it. */
export interface PackagedWorkbench {
  server: VsCodeServer;
  page: import('playwright-core').Page;
  /** Loads the workbench on the workspace and waits until it is drawn. */
  open(): Promise<void>;
  stop(): Promise<void>;
}

/** Packages the extension, starts a VS Code server with it installed, and launches the browser. */
export async function startPackagedWorkbench(
  options: { files?: Record<string, string>; settings?: Record<string, unknown>; dialogs?: boolean } = {},
): Promise<PackagedWorkbench> {
  const packaged = packageVsix();
  let server: VsCodeServer | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  const stop = async () => {
    await browser?.close();
    await server?.stop();
    packaged.dispose();
  };
  try {
    server = await startVsCodeServer({ vsix: packaged.vsix, ...options });
    browser = await launchBrowser();
  } catch (err) {
    await stop();
    throw err;
  }
  const { page } = browser;
  const started = server;
  return {
    server: started,
    page,
    open: async () => {
      await page.goto(`${started.origin}/?folder=${encodeURIComponent(started.workspace)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    },
    stop,
  };
}

export function e2eAvailable(): string | undefined {
  if (!fs.existsSync(SERVER_MAIN)) return `code-server is not installed: run bash scripts/setup-e2e.sh`;
  if (!fs.existsSync('/usr/bin/chromium')) return 'Debian chromium is missing: run bash scripts/setup-e2e.sh';
  return undefined;
}

const UNTRUSTED_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.untrustedFiles': 'open',
};

/** Starts the VS Code server with `vsix` installed (if given) and a workspace holding `files`. */
export async function startVsCodeServer(
  options: {
    vsix?: string;
    files?: Record<string, string>;
    settings?: Record<string, unknown>;
    /**
     * Let the workbench show modal dialogs. Without it the server runs the smoke-test driver, which
     * extension host tests need and which refuses every dialog (a confirmation is answered yes at once).
     */
    dialogs?: boolean;
    /** Workspace trust on, and the workspace folder not trusted: VS Code's restricted mode, unprompted. */
    untrusted?: boolean;
  } = {},
): Promise<VsCodeServer> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-e2e-'));
  const dirs = {
    serverData: path.join(root, 'server-data'),
    userData: path.join(root, 'user-data'),
    extensions: path.join(root, 'extensions'),
    workspace: path.join(root, 'workspace'),
    tmp: path.join(root, 'tmp'),
  };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(options.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(dirs.workspace, name)), { recursive: true });
    fs.writeFileSync(path.join(dirs.workspace, name), text);
  }
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(dirs.userData, 'User/settings.json'),
    JSON.stringify({ ...USER_SETTINGS, ...(options.untrusted ? UNTRUSTED_SETTINGS : {}), ...options.settings }, null, 2),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(root, 'xdg-config'),
    XDG_DATA_HOME: path.join(root, 'xdg-data'),
    XDG_CACHE_HOME: path.join(root, 'xdg-cache'),
    TMPDIR: dirs.tmp,
  };
  const serverArgs = ['--server-data-dir', dirs.serverData, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
  if (options.vsix) {
    execFileSync(process.execPath, [SERVER_MAIN, ...serverArgs, '--install-extension', options.vsix, '--force'], { env, stdio: 'pipe' });
  }
  const port = await freePort();
  const logFile = path.join(root, 'server.log');
  const out = fs.openSync(logFile, 'w');
  // setsid: its own process group, so stopping it also stops the extension hosts and file watchers.
  const child: ChildProcess = spawn(
    'setsid',
    [
      process.execPath,
      SERVER_MAIN,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--without-connection-token',
      '--accept-server-license-terms',
      ...(options.dialogs ? [] : ['--enable-smoke-test-driver']),
      ...(options.untrusted ? [] : ['--disable-workspace-trust']),
      '--disable-telemetry',
      ...serverArgs,
    ],
    { env, stdio: ['ignore', out, out], detached: false },
  );
  fs.closeSync(out);
  const origin = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // Group already gone.
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Group already gone.
    }
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitForHttp(origin, 60000);
  } catch (err) {
    const log = fs.readFileSync(logFile, 'utf8');
    await stop();
    throw new Error(`${(err as Error).message}\n${log}`);
  }
  return { port, origin, root, workspace: dirs.workspace, log: () => fs.readFileSync(logFile, 'utf8'), stop };
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      http
        .get(url, (res) => {
          res.resume();
          resolve((res.statusCode ?? 500) < 500);
        })
        .on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the VS Code server did not answer at ${url} within ${timeoutMs} ms`);
}

/**
 * Debian chromium's flags for a closed network: without the background-networking ones it keeps trying
 * hosts it cannot reach. `headless` is set by playwright.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Headless Debian chromium through playwright-core, with a fresh profile removed on close. */
export async function launchBrowser(): Promise<{ page: import('playwright-core').Page; close(): Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: CHROMIUM_ARGS,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Bundles the in-host suite `entry` (loaded by the extension host with require; vscode left external)
 * into .e2e/host-tests/NAME and runs it in the server's extension host with this repository as the
 * extension under development. Resolves with the suite's ✔/✖ lines; rejects with the whole log on failure.
 */
export async function runHostSuite(server: VsCodeServer, entry: string): Promise<string[]> {
  const esbuild = await import('esbuild');
  const out = path.join(REPO, '.e2e/host-tests', path.basename(entry, '.ts'));
  fs.rmSync(out, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [entry],
    outfile: path.join(out, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: ['vscode'],
    logLevel: 'warning',
  });
  if (!fs.existsSync(path.join(REPO, 'dist/extension.js'))) throw new Error('build first: node scripts/build.js');
  const { code, log } = await runExtensionHostTests(server, REPO, out);
  const lines = log.filter((l) => /^\s*(✔|✖)|^\d+ passed, \d+ failed/.test(l));
  if (code !== 0) {
    throw new Error(
      `extension host tests failed (exit ${String(code)}):\n${log.join('\n')}\n--- server log ---\n${server.log().slice(-4000)}`,
    );
  }
  return lines;
}

/**
 * Runs an extensionTestsPath module (exporting `run(): Promise<void>`) inside the server's real extension
 * host, with `devPath` as the extension under development; resolves with the exit code and the log.
 */
export async function runExtensionHostTests(
  server: VsCodeServer,
  devPath: string,
  testsPath: string,
  timeoutMs = 240000,
): Promise<{ code: unknown; log: string[] }> {
  const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${path.resolve(p)}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(devPath)],
    ['extensionTestsPath', remote(testsPath)],
    ['skipWelcome', 'true'],
  ]);
  const url = `${server.origin}/?folder=${encodeURIComponent(server.workspace)}&payload=${encodeURIComponent(payload)}`;
  const { page, close } = await launchBrowser();
  const log: string[] = [];
  try {
    let done!: (code: unknown) => void;
    const finished = new Promise<unknown>((resolve) => (done = resolve));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) =>
      log.push(`${type === 'error' ? '[error] ' : ''}${util.format(...(args ?? []))}`),
    );
    await page.exposeFunction('codeAutomationExit', (code: unknown) => done(code));
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    await page.goto(url);
    const code = await finished;
    clearTimeout(timer);
    return { code, log };
  } finally {
    await close();
  }
}

/** Runs a command from the palette by its title. */
export async function runFromPalette(page: import('playwright-core').Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await input.fill('>' + title);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 15000 });
}

export async function screenshot(page: import('playwright-core').Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
