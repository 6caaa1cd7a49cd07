#!/usr/bin/env node
// Runs node's test runner over every *.test.ts under the given folders (Node 20's --test has no globs).
// usage: node scripts/run-tests.js [--concurrency N] (DIR | FILE.test.ts)...
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
let concurrency = '1';
const dirs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--concurrency') concurrency = args[++i];
  else dirs.push(args[i]);
}
const files = [];
const walk = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (entry.name.endsWith('.test.ts')) files.push(full);
  }
};
for (const dir of dirs) {
  if (!fs.existsSync(dir)) continue;
  if (fs.statSync(dir).isDirectory()) walk(dir);
  else files.push(dir);
}
if (files.length === 0) {
  console.error(`no tests under ${dirs.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--expose-gc',
    '--test',
    `--test-timeout=${process.env.TEST_TIMEOUT_MS || 120000}`,
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
