/**
 * The variables explorer, the data viewer, hovers and completions as the extension asks for them: over
 * JSON-RPC from `remote-exec server --stdio`, against Debian's Python with pandas and numpy, and the Node
 * agent. Everything shown is what the agent computed; the server never decodes a value to show it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import * as rpc from '../../../contract/service';
import { startSshd, type Sshd } from '../../helpers/sshd';
import { startServer, type ServerUnderTest } from './serverConnection';

const PYTHON = '/usr/bin/python3';
const hasPandas = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import pandas, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const SESSION = [
  'import collections, datetime, decimal, time',
  'import numpy as np, pandas as pd',
  'f = 19.0',
  't = True',
  "d = decimal.Decimal('1.10')",
  'when = datetime.datetime(2024, 1, 2, 3, 4)',
  'n = np.float64(2.5)',
  'big = list(range(10_000))',
  "cfg = {'a': 1, 'b': [1, 2], (1, 2): 'tuple key'}",
  'arr = np.arange(12.0).reshape(3, 4)',
  "df = pd.DataFrame({'a': range(100), 'b': [i * 0.5 for i in range(100)], 'c': ['x%d' % i for i in range(100)]})",
  "text = 'hello world!'",
  'dq = collections.deque([1, 2, 3])',
  "records = [{'id': i, 'name': 'n%d' % (i % 4)} for i in range(50)]",
  'grid = [[i, i * i] for i in range(20)]',
  'def area(w, h):',
  '    return w * h',
  "reads = {'loud': 0}",
  'class Box:',
  '    def __init__(self):',
  '        self.items = [1, 2]',
  "        self.label = 'box'",
  '    @property',
  '    def loud(self):',
  "        reads['loud'] += 1",
  "        return 'LOUD'",
  '    def shout(self):',
  '        return self.label.upper()',
  'box = Box()',
  '_private = 1',
  '',
].join('\n');

function rssKiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]);
}

describe(
  'variables, data viewer pages, hovers and completions over JSON-RPC',
  { skip: hasPandas ? false : `${PYTHON} has no pandas/numpy` },
  () => {
    let server: ServerUnderTest;
    let gatewayId: string;
    const list = (params: Partial<rpc.VariablesParams> = {}) =>
      server.connection.sendRequest(rpc.variables, { gatewayId, path: [], offset: 0, limit: 100, ...params });
    const row = async (name: string, filter?: rpc.VariableFilter) => {
      const page = await list({ filter: { private: true, functions: true, classes: true, modules: true, ...filter } });
      const found = page.rows.find((r) => r.name === name);
      assert.ok(found, `no row ${name} in ${page.rows.map((r) => r.name).join(', ')}`);
      return found;
    };

    before(async () => {
      server = startServer();
      await server.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
      gatewayId = (await server.connection.sendRequest(rpc.openGateway, { spec: `popen//python=${PYTHON}` })).id;
      const run = await server.connection.sendRequest(rpc.execSelection, { gatewayId, source: SESSION });
      assert.equal(run.status, 'ok', JSON.stringify(run.error));
    });
    after(() => server.kill());

    test("rows show the agent's own repr, type and size: 19.0 is 19.0, a list is list · len 10000", async () => {
      const shown = async (name: string) => {
        const r = await row(name);
        return [r.type, r.size, r.repr];
      };
      assert.deepEqual(await shown('f'), ['float', '', '19.0']);
      assert.deepEqual(await shown('t'), ['bool', '', 'True']);
      assert.deepEqual(await shown('d'), ['Decimal', '', "Decimal('1.10')"]);
      assert.deepEqual(await shown('when'), ['datetime', '', 'datetime.datetime(2024, 1, 2, 3, 4)']);
      const numpyScalar = execFileSync(PYTHON, ['-c', 'import numpy as np; print(repr(np.float64(2.5)))'], { encoding: 'utf8' }).trim();
      assert.deepEqual(await shown('n'), ['float64', '', numpyScalar]);
      const big = await row('big');
      assert.deepEqual([big.type, big.size, big.expandable], ['list', 'len 10000', true]);
      assert.match(big.repr, /^\[0, 1, 2, 3, .*, …\]$/);
      assert.ok(big.repr.length <= 120);
      assert.deepEqual(await shown('cfg'), ['dict', 'len 3', "{'a': 1, 'b': [1, 2], (1, 2): 'tuple key'}"]);
      assert.deepEqual((await shown('arr')).slice(0, 2), ['ndarray', '(3, 4) float64']);
      assert.deepEqual(await shown('df'), ['DataFrame', '100 × 3', 'columns: a, b, c']);
      assert.deepEqual(await shown('text'), ['str', 'len 12', "'hello world!'"]);
      const described = await server.connection.sendRequest(rpc.describeVariable, { gatewayId, path: [['a', 'df']] });
      assert.equal(described.qualified, 'pandas.core.frame.DataFrame');
      assert.match(described.long, /\[100 rows x 3 columns\]/, 'the tooltip shows the longer, multi-line repr');
    });

    test('containers expand into their items, paged 100 at a time to any length; objects into attributes', async () => {
      const items = await list({ path: [['a', 'big']], offset: 100, limit: 100 });
      assert.equal(items.kind, 'items');
      assert.equal(items.total, 10_000);
      assert.deepEqual(
        items.rows.slice(0, 2).map((r) => [r.name, r.repr]),
        [
          ['100', '100'],
          ['101', '101'],
        ],
      );
      const last = await list({ path: [['a', 'big']], offset: 9_900, limit: 100 });
      assert.equal(last.rows.at(-1)!.repr, '9999');

      const entries = await list({ path: [['a', 'cfg']] });
      assert.deepEqual(
        entries.rows.map((r) => [r.name, r.repr]),
        [
          ["'a'", '1'],
          ["'b'", '[1, 2]'],
          ['(1, 2)', "'tuple key'"],
        ],
      );
      const nested = await list({ path: [['a', 'cfg'], entries.rows[1].key] });
      assert.deepEqual(
        nested.rows.map((r) => r.repr),
        ['1', '2'],
      );

      const frameRows = await list({ path: [['a', 'df']], limit: 2 });
      assert.equal(frameRows.kind, 'rows');
      assert.equal(frameRows.total, 100);
      const rowOne = await list({ path: [['a', 'df'], frameRows.rows[1].key] });
      assert.deepEqual(
        rowOne.rows.map((r) => [r.name, r.repr]),
        [
          ['a', '1'],
          ['b', '0.5'],
          ['c', "'x1'"],
        ],
        'a frame row expands into its cells, named by column',
      );
      const arrayRows = await list({ path: [['a', 'arr']] });
      assert.deepEqual(
        arrayRows.rows.map((r) => [r.type, r.size]),
        [
          ['ndarray', '(4,) float64'],
          ['ndarray', '(4,) float64'],
          ['ndarray', '(4,) float64'],
        ],
        'an array expands along its first axis',
      );

      const attrs = await list({ path: [['a', 'box']] });
      assert.equal(attrs.kind, 'attributes');
      assert.deepEqual(
        attrs.rows.map((r) => r.name),
        ['items', 'label', 'loud'],
        'no methods, no dunders',
      );
      const withMethods = await list({ path: [['a', 'box']], filter: { functions: true } });
      assert.deepEqual(
        withMethods.rows.map((r) => [r.name, r.kind]),
        [
          ['items', 'data'],
          ['label', 'data'],
          ['loud', 'data'],
          ['shout', 'function'],
        ],
      );
    });

    test('filters by name, shows private names, functions, classes and modules only when asked, sorts by name, type or size', async () => {
      const names = async (filter?: rpc.VariableFilter) => (await list({ filter })).rows.map((r) => r.name);
      const shown = await names();
      for (const hidden of ['area', 'Box', 'np', 'pd', 'time', '_private'])
        assert.ok(!shown.includes(hidden), `${hidden} is hidden by default`);
      assert.equal((await list()).hidden >= 7, true);
      assert.deepEqual(await names({ text: 'E' }), ['reads', 'records', 'text', 'when']);
      assert.ok((await names({ functions: true })).includes('area'));
      assert.ok((await names({ classes: true })).includes('Box'));
      assert.ok((await names({ modules: true })).includes('np'));
      assert.ok((await names({ private: true })).includes('_private'));
      const bySize = await names({ sort: 'size', descending: true });
      assert.deepEqual(bySize.slice(0, 3), ['big', 'df', 'records'], 'len 10000, then 100 × 3 (300 cells), then len 50');
      const byType = await list({ filter: { sort: 'type' } });
      const types = byType.rows.map((r) => r.type.toLowerCase());
      assert.deepEqual(types, [...types].sort());
    });

    test('data viewer pages of a 10,000,000-row DataFrame, sorted and filtered by the agent', async () => {
      const setup = await server.connection.sendRequest(rpc.execSelection, {
        gatewayId,
        source:
          "huge = pd.DataFrame({'a': np.arange(10_000_000), 'b': np.arange(10_000_000) % 1000 * 0.5, 'c': np.where(np.arange(10_000_000) % 2, 'odd', 'even')})",
      });
      assert.equal(setup.status, 'ok');
      const page = (params: Partial<rpc.TablePageParams>) =>
        server.connection.sendRequest(rpc.tablePage, {
          gatewayId,
          path: [['a', 'huge']],
          offset: 0,
          limit: 100,
          columnOffset: 0,
          columnLimit: 50,
          ...params,
        });
      const first = await page({ limit: 3 });
      assert.deepEqual([first.rows, first.unfiltered, first.columnCount], [10_000_000, 10_000_000, 3]);
      assert.deepEqual(
        first.columns.map((c) => [c.name, c.dtype, c.numeric]),
        [
          ['a', 'int64', true],
          ['b', 'float64', true],
          ['c', 'object', false],
        ],
      );
      assert.deepEqual(first.cells, [
        ['0', '0.0', 'even'],
        ['1', '0.5', 'odd'],
        ['2', '1.0', 'even'],
      ]);
      const end = await page({ offset: 9_999_998, limit: 100 });
      assert.deepEqual(end.labels, ['9999998', '9999999']);

      const sorted = await page({ limit: 2, sort: [1, true] });
      assert.deepEqual(
        sorted.cells.map((r) => r[1]),
        ['499.5', '499.5'],
      );
      assert.deepEqual(sorted.labels, ['999', '1999'], 'a stable sort keeps equal values in their order');
      const filtered = await page({ filters: [[0, 'gt', 9_999_990]] });
      assert.equal(filtered.rows, 9);
      assert.equal(filtered.unfiltered, 10_000_000);
      assert.equal(filtered.labels[0], '9999991');
      const window = await page({ limit: 1, columnOffset: 2, columnLimit: 1 });
      assert.deepEqual(
        window.columns.map((c) => c.name),
        ['c'],
      );
      assert.deepEqual(window.cells, [['even']]);

      const records = await server.connection.sendRequest(rpc.tablePage, {
        gatewayId,
        path: [['a', 'records']],
        offset: 0,
        limit: 2,
        columnOffset: 0,
        columnLimit: 50,
        filters: [[1, 'contains', 'N3']],
      });
      assert.deepEqual(
        records.columns.map((c) => c.name),
        ['id', 'name'],
      );
      assert.equal(records.rows, 12);
      assert.deepEqual(records.cells, [
        ['3', 'n3'],
        ['7', 'n3'],
      ]);
      const grid = await server.connection.sendRequest(rpc.tablePage, {
        gatewayId,
        path: [['a', 'grid']],
        offset: 18,
        limit: 5,
        columnOffset: 0,
        columnLimit: 50,
      });
      assert.deepEqual(grid.cells, [
        ['18', '324'],
        ['19', '361'],
      ]);
      const array = await server.connection.sendRequest(rpc.tablePage, {
        gatewayId,
        path: [['a', 'arr']],
        offset: 0,
        limit: 5,
        columnOffset: 0,
        columnLimit: 50,
        sort: [3, true],
      });
      assert.deepEqual(array.labels, ['2', '1', '0']);
      await assert.rejects(
        server.connection.sendRequest(rpc.tablePage, {
          gatewayId,
          path: [['a', 'f']],
          offset: 0,
          limit: 5,
          columnOffset: 0,
          columnLimit: 5,
        }),
        /cannot be shown as a table/,
      );
    });

    test('a hover gives the live value of a dotted name; nothing for an undefined name or while code runs', async () => {
      const shape = await server.connection.sendRequest(rpc.hover, { gatewayId, expression: ['df', 'shape'] });
      assert.deepEqual([shape?.type, shape?.repr], ['tuple', '(100, 3)']);
      const f = await server.connection.sendRequest(rpc.hover, { gatewayId, expression: ['f'] });
      assert.deepEqual([f?.type, f?.repr, f?.long], ['float', '19.0', '19.0']);
      assert.equal(await server.connection.sendRequest(rpc.hover, { gatewayId, expression: ['not_defined'] }), null);

      const running = server.connection.sendRequest(rpc.execSelection, { gatewayId, source: 'time.sleep(1.5)' });
      await server.waitNotification('remoteExec/gatewayChanged', (g) => g.id === gatewayId && g.counters.running > 0);
      assert.equal(await server.connection.sendRequest(rpc.hover, { gatewayId, expression: ['f'] }), null, 'a busy gateway is not asked');
      assert.deepEqual(await server.connection.sendRequest(rpc.complete, { gatewayId, expression: ['box'], prefix: '' }), []);
      assert.equal((await running).status, 'ok');
    });

    test("completion offers a live object's attributes by prefix without reading them, and the session's names", async () => {
      const readsBefore = await server.connection.sendRequest(rpc.execSelection, { gatewayId, source: "reads['loud']" });
      const attrs = await server.connection.sendRequest(rpc.complete, { gatewayId, expression: ['box'], prefix: '' });
      assert.deepEqual(
        attrs.map((a) => [a.name, a.kind]),
        [
          ['items', 'data'],
          ['label', 'data'],
          ['loud', 'property'],
          ['shout', 'function'],
        ],
      );
      const readsAfter = await server.connection.sendRequest(rpc.execSelection, { gatewayId, source: "reads['loud']" });
      assert.equal(readsAfter.value!.repr, readsBefore.value!.repr, 'completing ran no property');
      const frame = await server.connection.sendRequest(rpc.complete, { gatewayId, expression: ['df'], prefix: 'sh' });
      assert.deepEqual(
        frame.map((a) => a.name),
        ['shape', 'shift'],
      );
      const root = await server.connection.sendRequest(rpc.complete, { gatewayId, expression: [], prefix: 'bi' });
      assert.deepEqual(root, [{ name: 'big', kind: 'data', type: 'list' }]);
    });

    test("a refresh with a 3,000,000-item list and a 1 GiB bytes value sends text only, and the server's memory stays flat", async () => {
      const made = await server.connection.sendRequest(rpc.execSelection, {
        gatewayId,
        source: 'huge = None\nmillions = list(range(3_000_000))\nblob = b"x" * (1 << 30)',
      });
      assert.equal(made.status, 'ok');
      global.gc?.();
      const pid = server.child.pid!;
      await list();
      const before = rssKiB(pid);
      const times: number[] = [];
      let page: rpc.VariablesPage | undefined;
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        page = await list();
        times.push(performance.now() - t0);
      }
      const after = rssKiB(pid);
      const millions = page!.rows.find((r) => r.name === 'millions')!;
      const blob = page!.rows.find((r) => r.name === 'blob')!;
      assert.deepEqual([millions.type, millions.size], ['list', 'len 3000000']);
      assert.deepEqual([blob.type, blob.size], ['bytes', 'len 1073741824']);
      assert.match(blob.repr, /^b'x+…'$/);
      assert.ok(JSON.stringify(page).length < 20_000, 'a listing is a few kB of text');
      const sorted = [...times].sort((a, b) => a - b);
      console.log(
        `refresh of the variables with 3,000,000 items and 1 GiB in the session: median ${sorted[10].toFixed(2)} ms, max ${sorted[19].toFixed(2)} ms; server RSS ${Math.round(before / 1024)} MiB before, ${Math.round(after / 1024)} MiB after 20 refreshes`,
      );
      assert.ok(after - before < 16 * 1024, `the server grew by ${after - before} KiB over 20 refreshes`);
    });
  },
);

describe('variables and tables of the Node agent over JSON-RPC', () => {
  let server: ServerUnderTest;
  let gatewayId: string;

  before(async () => {
    server = startServer();
    await server.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    gatewayId = (await server.connection.sendRequest(rpc.openGateway, { spec: 'popen//node=node' })).id;
    const run = await server.connection.sendRequest(rpc.execSelection, {
      gatewayId,
      source:
        "var ratio = 19.5; const items = Array.from({ length: 250 }, (_, i) => i); const people = [{ name: 'ada', age: 36 }, { name: 'alan', age: 41 }]; const os = require('os');",
    });
    assert.equal(run.status, 'ok', JSON.stringify(run.error));
  });
  after(() => server.kill());

  test('rows, paging, modules hidden, and a table of records sorted by the agent', async () => {
    const page = await server.connection.sendRequest(rpc.variables, { gatewayId, path: [], offset: 0, limit: 100 });
    assert.deepEqual(
      page.rows.map((r) => [r.name, r.type, r.size, r.repr]),
      [
        ['items', 'Array', 'len 250', page.rows[0].repr],
        ['people', 'Array', 'len 2', "[ { name: 'ada', age: 36 }, { name: 'alan', age: 41 } ]"],
        ['ratio', 'number', '', '19.5'],
      ],
    );
    assert.equal(page.hidden, 1, 'the module os is hidden');
    const tail = await server.connection.sendRequest(rpc.variables, { gatewayId, path: [['a', 'items']], offset: 200, limit: 100 });
    assert.equal(tail.rows.length, 50);
    const table = await server.connection.sendRequest(rpc.tablePage, {
      gatewayId,
      path: [['a', 'people']],
      offset: 0,
      limit: 10,
      columnOffset: 0,
      columnLimit: 10,
      sort: [1, true],
    });
    assert.deepEqual(table.cells, [
      ['alan', '41'],
      ['ada', '36'],
    ]);
    const hover = await server.connection.sendRequest(rpc.hover, { gatewayId, expression: ['people', 'length'] });
    assert.equal(hover?.repr, '2');
  });
});

describe('the data viewer and the explorer over ssh', { skip: hasPandas ? false : `${PYTHON} has no pandas/numpy` }, () => {
  let sshd: Sshd | undefined;
  let server: ServerUnderTest | undefined;
  let gatewayId = '';
  let skipped: string | undefined;

  before(async () => {
    const started = await startSshd();
    if (typeof started === 'string') {
      skipped = started;
      return;
    }
    sshd = started;
    // The server starts after sshd, so it inherits the ssh options that log in with the run's key.
    server = startServer();
    await server.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    gatewayId = (await server.connection.sendRequest(rpc.openGateway, { spec: `ssh=${sshd.address}//python=${PYTHON}` })).id;
    const run = await server.connection.sendRequest(rpc.execSelection, {
      gatewayId,
      source: "import pandas as pd\nsales = pd.DataFrame({'city': ['Oslo', 'Lima', 'Pune'], 'units': [12, 40, 7]})",
    });
    assert.equal(run.status, 'ok', JSON.stringify(run.error));
  });
  after(async () => {
    server?.kill();
    await sshd?.stop();
  });

  test('a DataFrame on an ssh host: its row, a sorted table page and a hover', async (t) => {
    if (skipped) return t.skip(skipped);
    const page = await server!.connection.sendRequest(rpc.variables, { gatewayId, path: [], offset: 0, limit: 100 });
    const sales = page.rows.find((r) => r.name === 'sales')!;
    assert.deepEqual([sales.type, sales.size, sales.viewable], ['DataFrame', '3 × 2', true]);
    const table = await server!.connection.sendRequest(rpc.tablePage, {
      gatewayId,
      path: [sales.key],
      offset: 0,
      limit: 10,
      columnOffset: 0,
      columnLimit: 10,
      sort: [1, true],
    });
    assert.deepEqual(table.cells, [
      ['Lima', '40'],
      ['Oslo', '12'],
      ['Pune', '7'],
    ]);
    const hover = await server!.connection.sendRequest(rpc.hover, { gatewayId, expression: ['sales', 'shape'] });
    assert.equal(hover?.repr, '(3, 2)');
  });
});
