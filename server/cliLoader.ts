#!/usr/bin/env node
// `remote-exec`: runs the CLI bundle (cliMain.js beside this file) with V8's code cache for it, kept in
// cacheDir(). Compiling the bundle is a tenth of a short run (`exec -c pass`); a cached run skips it.
import * as fs from 'fs';
import Module, { createRequire } from 'module';
import * as path from 'path';
import * as vm from 'vm';
import { cacheDir } from './cacheDir';

const main = path.join(__dirname, 'cliMain.js');

/** The cache entry for this bundle on this Node (V8 checks its own; the name keeps versions apart). */
function cacheFile(): string | undefined {
  const dir = cacheDir();
  if (dir === undefined) return undefined;
  const stat = fs.statSync(main);
  return path.join(dir, `cli-${process.version}-${process.arch}-${stat.size}-${Math.floor(stat.mtimeMs)}.v8cache`);
}

function readCache(file: string | undefined): Buffer | undefined {
  try {
    return file === undefined ? undefined : fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Written at exit, so it holds the functions this run compiled, atomically; the entries of other
 * versions go. A cache that cannot be written is none.
 */
function saveCache(file: string, script: vm.Script): void {
  try {
    const dir = path.dirname(file);
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, file);
    for (const name of fs.readdirSync(dir)) {
      if (name.startsWith('cli-') && name.endsWith('.v8cache') && name !== path.basename(file))
        fs.rmSync(path.join(dir, name), { force: true });
    }
  } catch {
    // No cache then: the next run compiles, as this one did.
  }
}

function run(): void {
  const file = cacheFile();
  const cached = readCache(file);
  const source = fs.readFileSync(main, 'utf8').replace(/^#!/, '//');
  const script = new vm.Script(Module.wrap(source), { filename: main, cachedData: cached });
  if (file !== undefined && (cached === undefined || script.cachedDataRejected)) process.once('exit', () => saveCache(file, script));
  const mod = new Module(main, module);
  mod.filename = main;
  const require = createRequire(main);
  mod.require = require;
  (script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, require, mod, main, path.dirname(main));
}

run();
