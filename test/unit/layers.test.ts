import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

/**
 * The layers of README "Layout" are enforced by the build: a file planted in a copy of the tree that
 * imports across a forbidden boundary, or uses a platform its layer does not have, fails `tsc` (the
 * layers' project references and per-layer libs) or `eslint` (no-restricted-imports per folder).
 */
const root = path.resolve(__dirname, '..', '..');
const LAYERS = ['protocol', 'contract', 'server', 'extension', 'webview-ui'];

interface Leak {
  file: string;
  source: string;
  /** Which check must refuse it, and what its message must say. */
  tsc?: RegExp;
  eslint?: RegExp;
}

const LEAKS: Leak[] = [
  {
    file: 'protocol/leakServer.ts',
    source: "import { GatewayManager } from '../server/service/gatewayManager';\nexport const x = GatewayManager;\n",
    tsc: /TS6307/,
    eslint: /server\/ is another layer/,
  },
  {
    file: 'protocol/leakVscode.ts',
    source: "import * as vscode from 'vscode';\nexport const x = vscode;\n",
    eslint: /protocol\/ knows nothing of VS Code/,
  },
  {
    file: 'protocol/leakProcess.ts',
    source: "import { spawn } from 'child_process';\nexport const x = spawn;\n",
    eslint: /no processes, sockets or files/,
  },
  { file: 'protocol/leakDom.ts', source: 'export const x = document.title;\n', tsc: /Cannot find name 'document'/ },
  {
    file: 'contract/leakServer.ts',
    source: "import { LogStore } from '../server/logs/logStore';\nexport const x = LogStore;\n",
    tsc: /TS6307/,
    eslint: /server\/ is another layer/,
  },
  {
    file: 'contract/leakProtocolValue.ts',
    source: "import { Gateway } from '../protocol/gateway';\nexport const x = Gateway;\n",
    eslint: /imports only protocol\/ types/,
  },
  { file: 'contract/leakNode.ts', source: "import * as fs from 'fs';\nexport const x = fs;\n", eslint: /no platform code/ },
  {
    file: 'webview-ui/leakServer.ts',
    source: "import { parseXSpec } from '../server/gateway/xspec';\nexport const x = parseXSpec;\n",
    tsc: /TS6307/,
    eslint: /server\/ is another layer/,
  },
  {
    file: 'webview-ui/leakNode.ts',
    source: "import * as fs from 'fs';\nexport const x = [fs, process.pid];\n",
    tsc: /Cannot find name 'process'/,
    eslint: /webviews run in a browser/,
  },
  {
    file: 'extension/leakServer.ts',
    source: "import { makeGateway } from '../server/gateway/makeGateway';\nexport const x = makeGateway;\n",
    tsc: /TS6307/,
    eslint: /server\/ is another layer/,
  },
  {
    file: 'extension/leakTransport.ts',
    source: "import { spawn } from 'child_process';\nexport const x = spawn;\n",
    eslint: /never opens a transport/,
  },
  {
    file: 'server/leakVscode.ts',
    source: "import * as vscode from 'vscode';\nexport const x = vscode;\n",
    eslint: /server\/ runs outside VS Code/,
  },
  {
    file: 'server/leakExtension.ts',
    source: "import { Ctx } from '../extension/ctx';\nexport const x = Ctx;\n",
    tsc: /TS6307/,
    eslint: /extension\/ is another layer/,
  },
  { file: 'server/leakDom.ts', source: 'export const x = document.title;\n', tsc: /Cannot find name 'document'/ },
];

let copy: string;
const tsc = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), ...args], { cwd: copy, encoding: 'utf8' });

before(() => {
  copy = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-layers-'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', ...LAYERS], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  for (const rel of [...files, 'package.json', 'tsconfig.base.json', 'eslint.config.mjs']) {
    if (!fs.existsSync(path.join(root, rel))) continue;
    fs.mkdirSync(path.dirname(path.join(copy, rel)), { recursive: true });
    fs.copyFileSync(path.join(root, rel), path.join(copy, rel));
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
  fs.writeFileSync(path.join(copy, 'tsconfig.json'), JSON.stringify({ files: [], references: LAYERS.map((p) => ({ path: p })) }));
  // The clean tree builds; the leaks are planted only after, so every layer is checked on its own.
  const clean = tsc('-b');
  assert.equal(clean.status, 0, `the copied tree does not build cleanly:\n${clean.stdout}${clean.stderr}`);
  for (const leak of LEAKS) fs.writeFileSync(path.join(copy, leak.file), leak.source);
});

after(() => fs.rmSync(copy, { recursive: true, force: true }));

describe('a planted cross-layer import fails the build', () => {
  let tscOutput = '';
  const eslintMessages = new Map<string, string[]>();
  before(() => {
    for (const layer of LAYERS) {
      const r = tsc('-p', layer);
      tscOutput += r.stdout + r.stderr;
    }
    const r = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/eslint/bin/eslint.js'), '--format', 'json', ...LEAKS.map((l) => l.file)],
      {
        cwd: copy,
        encoding: 'utf8',
      },
    );
    for (const result of JSON.parse(r.stdout) as { filePath: string; messages: { message: string }[] }[]) {
      eslintMessages.set(
        path.relative(copy, result.filePath),
        result.messages.map((m) => m.message),
      );
    }
  });

  for (const leak of LEAKS) {
    test(`${leak.file} is refused`, () => {
      if (leak.tsc) {
        const lines = tscOutput.split('\n').filter((l) => l.startsWith(leak.file));
        assert.ok(
          lines.some((l) => leak.tsc!.test(l)),
          `tsc did not refuse ${leak.file} with ${leak.tsc}:\n${lines.join('\n') || tscOutput.slice(0, 2000)}`,
        );
      }
      if (leak.eslint) {
        const messages = eslintMessages.get(leak.file) ?? [];
        assert.ok(
          messages.some((m) => leak.eslint!.test(m)),
          `eslint did not refuse ${leak.file} with ${leak.eslint}: ${JSON.stringify(messages)}`,
        );
      }
    });
  }
});
