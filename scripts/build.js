#!/usr/bin/env node
// Builds dist/: the API, the CLI and the server (CommonJS bundles), the extension, the webviews, the
// agents' sources, and the API's type declarations (from the layers' own `tsc -b` build).
//   --no-types   skip the declarations (faster; the bench and packaging do not need them)
//   --watch      rebuild the bundles on every change (esbuild's incremental context)
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { assembleAgents, copyFolder } = require('./assemble-agents');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const watch = process.argv.includes('--watch');
const skipTypes = process.argv.includes('--no-types');
// The lowest runtime we support: Node 20 (package.json engines), which VS Code 1.91's extension host also is.
const target = 'node20';

function builds() {
  const common = { bundle: true, platform: 'node', target, format: 'cjs', sourcemap: true, logLevel: 'warning', absWorkingDir: root };
  const node = [
    { entryPoints: { api: 'server/api.ts' } },
    // esbuild keeps the entries' own #! lines; a banner would add a second one (a syntax error). `cli` is
    // the command, a loader that runs `cliMain` from V8's code cache.
    { entryPoints: { cli: 'server/cliLoader.ts' } },
    { entryPoints: { cliMain: 'server/cli.ts' } },
    { entryPoints: { extension: 'extension/extension.ts' }, external: ['vscode'] },
  ].map((e) => ({ ...common, outdir: dist, ...e, external: ['node-pty', ...(e.external || [])] }));
  const web = fs
    .readdirSync(path.join(root, 'webview-ui'))
    .filter((name) => fs.existsSync(path.join(root, 'webview-ui', name, 'main.ts')))
    .map((name) => ({
      ...common,
      platform: 'browser',
      target: 'es2022',
      format: 'iife',
      entryPoints: { [name]: path.join('webview-ui', name, 'main.ts') },
      outdir: path.join(dist, 'webview'),
      loader: { '.css': 'text' },
    }));
  return [...node, ...web];
}

/** The agents and the bench's peer drivers ship as files beside the bundles; the cli is made executable. */
function finish() {
  fs.chmodSync(path.join(dist, 'cli.js'), 0o755);
  assembleAgents(path.join(dist, 'agents'));
  copyFolder(path.join(root, 'server', 'cli', 'bench', 'peers'), path.join(dist, 'bench', 'peers'));
}

async function main() {
  fs.mkdirSync(dist, { recursive: true });
  if (watch) {
    const contexts = await Promise.all(
      builds().map((options) =>
        esbuild.context({ ...options, plugins: [{ name: 'finish', setup: (b) => b.onEnd((r) => r.errors.length === 0 && finish()) }] }),
      ),
    );
    await Promise.all(contexts.map((c) => c.watch()));
    console.log('watching for changes (Ctrl+C to stop)');
    return;
  }
  await Promise.all(builds().map((b) => esbuild.build(b)));
  finish();
  if (!skipTypes) {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', 'server'], { cwd: root, stdio: 'inherit' });
    fs.writeFileSync(path.join(dist, 'api.d.ts'), "export * from './tsc/server/api';\n");
  }
}

main().catch((err) => {
  console.error(err.message || err);
  process.exit(1);
});
