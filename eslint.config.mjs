import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import { createRequire } from 'node:module';
import path from 'node:path';
import tseslint from 'typescript-eslint';

const { agentModules, joinModules } = createRequire(import.meta.url)('./server/agents/assemble.js');

/**
 * Which layer may import which (README, "Layout"): protocol ← server ← extension, contract between
 * them, webview-ui ← contract only. The project references in tsconfig.json make a cross-folder import
 * a compile error; these rules add what the compiler cannot see: platform modules a layer must not use.
 */
const layer = (name) => ({ regex: `(^|/)${name}(/|$)`, message: `${name}/ is another layer; see README, "Layout"` });
const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'events',
  'fs',
  'net',
  'os',
  'path',
  'stream',
  'string_decoder',
  'util',
  'vm',
  'worker_threads',
];
const platform = (names, why) => names.flatMap((n) => [n, `node:${n}`]).map((name) => ({ name, message: why }));
const restrict = (paths, patterns) => ['error', { paths, patterns }];

const LAYERS = {
  protocol: restrict(
    [
      ...platform(
        ['child_process', 'net', 'fs', 'os', 'worker_threads'],
        'protocol/ works over any byte stream: no processes, sockets or files',
      ),
      { name: 'vscode', message: 'protocol/ knows nothing of VS Code' },
      { name: 'node-pty', message: 'transports live in server/' },
    ],
    [
      layer('server'),
      layer('extension'),
      layer('webview-ui'),
      layer('contract'),
      { regex: '^vscode-(jsonrpc|languageclient)', message: 'JSON-RPC is the contract between server and extension' },
    ],
  ),
  contract: restrict(
    [
      { name: 'vscode', message: 'contract/ is shared by the server and the webviews: no vscode' },
      ...platform(NODE_BUILTINS, 'contract/ holds shared types and constants, no platform code'),
    ],
    [
      layer('server'),
      layer('extension'),
      layer('webview-ui'),
      { ...layer('protocol'), allowTypeImports: true, message: 'contract/ imports only protocol/ types' },
    ],
  ),
  server: restrict(
    [
      { name: 'vscode', message: 'server/ runs outside VS Code' },
      { name: 'vscode-languageclient', message: 'the language client is the extension side' },
    ],
    [layer('extension'), layer('webview-ui'), { regex: '^vscode-languageclient', message: 'the language client is the extension side' }],
  ),
  extension: restrict(
    [
      ...platform(['child_process', 'net'], 'the extension never opens a transport: it asks the server (contract/service.ts)'),
      { name: 'node-pty', message: 'the extension never opens a transport' },
    ],
    [
      layer('server'),
      layer('webview-ui'),
      { ...layer('protocol'), allowTypeImports: true, message: 'the extension uses protocol/ types only; gateways live in the server' },
    ],
  ),
  'webview-ui': restrict(
    [{ name: 'vscode', message: 'webviews talk to the extension by messages' }, ...platform(NODE_BUILTINS, 'webviews run in a browser')],
    [layer('server'), layer('extension'), layer('protocol')],
  ),
};

/**
 * The Node agent is written as modules concatenated into one file (server/agents/assemble.js), so a
 * module alone names what others define. Each module is linted inside the assembled agent instead (with
 * its own text as the editor has it), and only what falls on its own lines is reported, at those lines.
 */
const moduleRanges = new Map();
const nodeAgentModules = {
  meta: { name: 'remote-exec/node-agent-modules' },
  supportsAutofix: false,
  preprocess(text, filename) {
    const modules = agentModules('node');
    const index = modules.findIndex((m) => m.file === path.resolve(filename));
    if (index < 0) return [text];
    modules[index] = { ...modules[index], text };
    const joined = joinModules(modules.map((m) => m.text));
    moduleRanges.set(filename, { first: joined.firstLines[index], count: text.replace(/\s+$/, '').split('\n').length });
    return [{ text: joined.text, filename: 'agent.js' }];
  },
  postprocess([messages], filename) {
    const range = moduleRanges.get(filename);
    moduleRanges.delete(filename);
    if (!range) return messages;
    const local = (line) => line - range.first + 1;
    return messages
      .filter((m) => m.line >= range.first && m.line < range.first + range.count)
      .map(({ fix: _fix, suggestions: _suggestions, ...m }) => ({
        ...m,
        line: local(m.line),
        ...(m.endLine && { endLine: local(m.endLine) }),
      }));
  },
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'server/agents/python/**',
      'test/fixtures/**/*.py',
      '.vscode-test/**',
      '.e2e/**',
      'test-results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  ...Object.entries(LAYERS).map(([folder, rule]) => ({
    files: [`${folder}/**/*.ts`],
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-restricted-imports': rule },
  })),
  {
    files: ['webview-ui/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['server/agents/node/*.js'],
    processor: nodeAgentModules,
  },
  {
    // Remote code: the agents and the helpers sent with remoteExec run as CommonJS scripts on the agent.
    files: ['server/agents/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
  {
    // The bench's peer drivers run as CommonJS scripts on this host.
    files: ['server/cli/bench/peers/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
  {
    // Bodies of remoteExec on a Node agent: an async function body with `channel` in scope.
    files: ['server/agents/remote/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      parserOptions: { ecmaFeatures: { globalReturn: true } },
      globals: { ...globals.node, channel: 'readonly', gateway: 'readonly' },
    },
  },
  prettier,
);
