#!/usr/bin/env node
// Builds dist/: the API, the CLI and the server (CommonJS bundles), the extension, the webviews,
// the agents' sources, and the API's type declarations.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const watch = process.argv.includes('--watch');
const skipTypes = process.argv.includes('--no-types');

function copyAgents() {
  for (const [from, to] of [
    ['server/agents/python/agent.py', 'agents/python/agent.py'],
    ['server/agents/node/agent.js', 'agents/node/agent.js'],
  ]) {
    const src = path.join(root, from);
    if (!fs.existsSync(src)) continue;
    fs.mkdirSync(path.dirname(path.join(dist, to)), { recursive: true });
    fs.copyFileSync(src, path.join(dist, to));
  }
}

async function main() {
  fs.mkdirSync(dist, { recursive: true });
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    sourcemap: true,
    logLevel: 'warning',
    absWorkingDir: root,
  };
  const entries = [
    { entryPoints: { api: 'server/api.ts' } },
    // esbuild keeps server/cli.ts's own #! line; a banner would add a second one (a syntax error).
    { entryPoints: { cli: 'server/cli.ts' } },
  ];
  if (fs.existsSync(path.join(root, 'extension/extension.ts'))) {
    entries.push({ entryPoints: { extension: 'extension/extension.ts' }, external: ['vscode'] });
  }
  const builds = entries.map((e) => ({ ...common, outdir: dist, external: ['node-pty', ...(e.external || [])], ...e }));
  for (const web of fs.existsSync(path.join(root, 'webview-ui')) ? fs.readdirSync(path.join(root, 'webview-ui')) : []) {
    const entry = path.join('webview-ui', web, 'main.ts');
    if (fs.existsSync(path.join(root, entry))) {
      builds.push({
        ...common,
        platform: 'browser',
        target: 'es2022',
        format: 'iife',
        entryPoints: { [web]: entry },
        outdir: path.join(dist, 'webview'),
        loader: { '.css': 'text' },
      });
    }
  }
  await Promise.all(builds.map((b) => esbuild.build(b)));
  fs.chmodSync(path.join(dist, 'cli.js'), 0o755);
  copyAgents();
  if (!skipTypes) {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
    fs.writeFileSync(path.join(dist, 'api.d.ts'), "export * from './types/server/api';\n");
  }
  if (watch) console.log('watching is not supported; run npm run build again');
}

main().catch((err) => {
  console.error(err.message || err);
  process.exit(1);
});
