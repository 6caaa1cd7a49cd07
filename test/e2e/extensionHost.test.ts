import * as path from 'path';
import { after, before, describe, test } from 'node:test';
import { e2eAvailable, runHostSuite, startVsCodeServer, type VsCodeServer } from '../helpers/vscode';
import { CELLS_JS, DEMO_PY, WHERE_PY } from './fixtures';

describe('the extension inside a real VS Code extension host', { skip: e2eAvailable() }, () => {
  let server: VsCodeServer;

  before(async () => {
    server = await startVsCodeServer({ files: { 'demo.py': DEMO_PY, 'cells.js': CELLS_JS, 'sub/where.py': WHERE_PY } });
  });

  after(async () => {
    await server?.stop();
  });

  test('runs selections, updates the tree, interrupts and reports errors (in-host suite)', async () => {
    console.log((await runHostSuite(server, path.join(__dirname, 'host/suite.ts'))).join('\n'));
  });
});
