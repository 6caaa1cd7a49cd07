import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { after, before, describe, test } from 'node:test';
import { e2eAvailable, REPO, runExtensionHostTests, startVsCodeServer, type VsCodeServer } from '../helpers/vscode';
import { CELLS_JS, DEMO_PY, WHERE_PY } from './fixtures';

const HOST_TESTS = path.join(REPO, '.e2e/host-tests');

describe('the extension inside a real VS Code extension host', { skip: e2eAvailable() }, () => {
  let server: VsCodeServer;

  before(async () => {
    // The in-host suite is loaded by the extension host with require: bundle it, vscode left external.
    const esbuild = await import('esbuild');
    fs.rmSync(HOST_TESTS, { recursive: true, force: true });
    await esbuild.build({
      entryPoints: [path.join(__dirname, 'host/suite.ts')],
      outfile: path.join(HOST_TESTS, 'index.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node18',
      external: ['vscode'],
      logLevel: 'warning',
    });
    assert.ok(fs.existsSync(path.join(REPO, 'dist/extension.js')), 'build first: node scripts/build.js');
    server = await startVsCodeServer({ files: { 'demo.py': DEMO_PY, 'cells.js': CELLS_JS, 'sub/where.py': WHERE_PY } });
  });

  after(async () => {
    await server?.stop();
  });

  test('runs selections, updates the tree, interrupts and reports errors (in-host suite)', async () => {
    const { code, log } = await runExtensionHostTests(server, REPO, HOST_TESTS);
    const suiteLines = log.filter((l) => /^\s*(✔|✖)|^\d+ passed, \d+ failed/.test(l));
    console.log(suiteLines.join('\n'));
    assert.equal(
      code,
      0,
      `extension host tests failed (exit ${String(code)}):\n${log.join('\n')}\n--- server log ---\n${server.log().slice(-4000)}`,
    );
  });
});
