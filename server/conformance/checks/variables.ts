import type { Gateway, ObjectStep, ObjectStepName } from '../../../protocol';
import { expectEqual, expectTrue, fail, show, type Check, type CheckContext } from '../check';
import { closedCleanly, request, snippetsOf } from './helpers';

/** A row of a children page (§7.6). */
interface Row {
  key: unknown;
  name: string;
  type: string;
  size: string;
  repr: string;
  kind: string;
  expandable: boolean;
  viewable: boolean;
}
interface Page {
  kind: string;
  total: number;
  hidden: number;
  offset: number;
  rows: Row[];
}

/** A new agent whose session holds the variables of the language's `variables` snippet. */
async function withVariables(ctx: CheckContext): Promise<Gateway> {
  const gateway = await ctx.fresh();
  await closedCleanly(gateway.remoteExec(snippetsOf(ctx).variables.source, { session: true }), 'the session run defining the variables');
  return gateway;
}

async function page(gateway: Gateway, what: string, steps: ObjectStep[]): Promise<Page> {
  const got = (await request(gateway, what, null, steps)) as Page;
  expectTrue(
    typeof got === 'object' && got !== null && Array.isArray(got.rows) && typeof got.total === 'number',
    what,
    'a children page {kind, total, hidden, offset, rows}',
    got,
  );
  for (const row of got.rows) {
    const fields = ['name', 'type', 'size', 'repr', 'kind'] as const;
    expectTrue(
      fields.every((f) => typeof row[f] === 'string') && typeof row.expandable === 'boolean' && typeof row.viewable === 'boolean',
      `${what}: row ${show(row.name)}`,
      'a row {key, name, type, size, repr, kind, expandable, viewable}',
      row,
    );
    expectTrue(
      row.repr.length <= 120 && !row.repr.includes('\n'),
      `${what}: repr of ${row.name}`,
      'one line of at most 120 characters',
      row.repr,
    );
  }
  return got;
}

function rowNamed(p: Page, name: string, what: string): Row {
  const row = p.rows.find((r) => r.name === name);
  if (!row) fail(what, `a row named ${name}`, show(p.rows.map((r) => r.name)));
  return row;
}

const variablesCheck = (name: string, steps: ObjectStepName[], run: Check['run']): Check => ({
  name: `variables: ${name}`,
  needsSnippets: true,
  needsCapability: 'session',
  steps,
  run,
});

export const variableChecks: Check[] = [
  variablesCheck(
    "children lists the session's variables with type, size and the agent's repr; functions, modules and private names when asked",
    ['children'],
    async (ctx) => {
      const { float, listType } = snippetsOf(ctx).variables;
      const gateway = await withVariables(ctx);
      const shown = await page(gateway, 'the default listing', [['children', { limit: 100 }]]);
      expectEqual('kind of the root listing', shown.kind, 'variables');
      const f = rowNamed(shown, 'conformance_float', 'the default listing');
      expectEqual('conformance_float: type and repr', [f.type, f.repr, f.expandable], [float.type, float.repr, false]);
      expectEqual('conformance_float: key', f.key, ['a', 'conformance_float']);
      const list = rowNamed(shown, 'conformance_list', 'the default listing');
      expectEqual('conformance_list: type, size, expandable', [list.type, list.size, list.expandable], [listType, 'len 250', true]);
      expectTrue(list.repr.startsWith('[') && list.repr.includes('0, 1, 2'), 'conformance_list: repr', 'its first items', list.repr);
      const names = shown.rows.map((r) => r.name);
      for (const hidden of ['conformance_fn', 'conformance_module', '_conformance_private', 'ConformanceBox'])
        expectTrue(!names.includes(hidden), `${hidden} in the default listing`, 'hidden', names);
      expectTrue(shown.hidden >= 4, 'hidden count', 'at least the 4 hidden names', shown.hidden);

      const all = await page(gateway, 'the listing with every toggle', [
        ['children', { private: true, functions: true, classes: true, modules: true, limit: 100 }],
      ]);
      expectEqual('kind of conformance_fn', rowNamed(all, 'conformance_fn', 'the full listing').kind, 'function');
      expectEqual('kind of conformance_module', rowNamed(all, 'conformance_module', 'the full listing').kind, 'module');
      expectEqual('kind of ConformanceBox', rowNamed(all, 'ConformanceBox', 'the full listing').kind, 'class');
      rowNamed(all, '_conformance_private', 'the full listing');

      const filtered = await page(gateway, 'the listing filtered by "FLOAT"', [['children', { filter: 'FLOAT' }]]);
      expectEqual(
        'names filtered by "FLOAT"',
        filtered.rows.map((r) => r.name),
        ['conformance_float'],
      );
      const bySize = await page(gateway, 'the listing sorted by size, descending', [['children', { sort: 'size', descending: true }]]);
      expectEqual('first row by size, descending', bySize.rows[0]?.name, 'conformance_list');
      expectTrue(
        bySize.rows.findIndex((r) => r.name === 'conformance_list') < bySize.rows.findIndex((r) => r.name === 'conformance_rows'),
        'order by size, descending',
        'conformance_list (250) before conformance_rows (30)',
        bySize.rows.map((r) => r.name),
      );
    },
  ),
  variablesCheck('child and children page a sequence past its first 100 items', ['child', 'children'], async (ctx) => {
    const gateway = await withVariables(ctx);
    const list: ObjectStep = ['child', ['a', 'conformance_list']];
    const second = await page(gateway, 'items 100 to 199', [list, ['children', { offset: 100, limit: 100 }]]);
    expectEqual('kind of a sequence listing', second.kind, 'items');
    expectEqual('total of the sequence', second.total, 250);
    expectEqual('rows of the second page', second.rows.length, 100);
    expectEqual('first row of the second page', [second.rows[0].key, second.rows[0].name, second.rows[0].repr], [['i', 100], '100', '100']);
    const last = await page(gateway, 'items from 200', [list, ['children', { offset: 200, limit: 100 }]]);
    expectEqual('rows of the last page', last.rows.length, 50);
    expectEqual('repr of item 249', last.rows[49].repr, '249');
    const item = (await request(gateway, 'child of a child', null, [list, ['child', ['i', 249]]])) as unknown;
    expectEqual('conformance_list[249] through child steps', item, 249);
  }),
  variablesCheck(
    "an object's children are its attributes, methods only when asked; describe adds a longer repr",
    ['child', 'children', 'describe'],
    async (ctx) => {
      const { float } = snippetsOf(ctx).variables;
      const gateway = await withVariables(ctx);
      const box: ObjectStep = ['child', ['a', 'conformance_box']];
      const attrs = await page(gateway, "conformance_box's attributes", [box, ['children', {}]]);
      expectEqual("kind of an object's listing", attrs.kind, 'attributes');
      const label = rowNamed(attrs, 'label', "conformance_box's attributes");
      expectEqual('label: repr and key', [label.repr, label.key], ["'box'", ['a', 'label']]);
      expectTrue(
        !attrs.rows.some((r) => r.name === 'shout'),
        'shout in the default attributes',
        'hidden (a method)',
        attrs.rows.map((r) => r.name),
      );
      const withMethods = await page(gateway, "conformance_box's attributes with functions", [box, ['children', { functions: true }]]);
      expectEqual('kind of shout', rowNamed(withMethods, 'shout', 'the attributes with functions').kind, 'function');
      const described = (await request(gateway, 'describe conformance_float', null, [
        ['child', ['a', 'conformance_float']],
        ['describe'],
      ])) as Record<string, unknown>;
      expectEqual('describe: type and repr', [described.type, described.repr], [float.type, float.repr]);
      expectTrue(
        typeof described.long === 'string' && described.long.includes(float.repr),
        'describe: long',
        'the repr, at length',
        described.long,
      );
      expectTrue(typeof described.qualified === 'string', 'describe: qualified', 'the full type name', described.qualified);
      try {
        const got = await gateway.objectRequest(null, [['child', ['a', 'conformance_not_defined']], ['describe']]);
        fail('describe of an undefined name', 'REPLY_ERROR', show(got));
      } catch (err) {
        if (err instanceof Error && err.name === 'CheckFailure') throw err;
      }
    },
  ),
  variablesCheck('table pages records, sorted and filtered over all rows', ['child', 'table'], async (ctx) => {
    const gateway = await withVariables(ctx);
    const rows: ObjectStep = ['child', ['a', 'conformance_rows']];
    const first = (await request(gateway, 'the first table page', null, [rows, ['table', { limit: 5 }]])) as Record<string, any>;
    expectEqual('rows and columns', [first.rows, first.unfiltered, first.columnCount], [30, 30, 2]);
    expectEqual(
      'column names',
      (first.columns as unknown[][]).map((c) => c[0]),
      ['id', 'name'],
    );
    expectEqual(
      'numeric flags',
      (first.columns as unknown[][]).map((c) => c[2]),
      [true, false],
    );
    expectEqual('cells of the first rows', first.cells.slice(0, 2), [
      ['0', 'r0'],
      ['1', 'r1'],
    ]);
    const sorted = (await request(gateway, 'sorted by id, descending', null, [rows, ['table', { limit: 3, sort: [0, true] }]])) as Record<
      string,
      any
    >;
    expectEqual('labels sorted by id, descending', sorted.labels, ['29', '28', '27']);
    const filtered = (await request(gateway, 'filtered and sorted', null, [
      rows,
      [
        'table',
        {
          offset: 1,
          limit: 2,
          sort: [0, true],
          filters: [
            [1, 'eq', 'r1'],
            [0, 'lt', 20],
          ],
        },
      ],
    ])) as Record<string, any>;
    expectEqual('rows passing name = r1 and id < 20', filtered.rows, 7);
    expectEqual('second and third of them, by id descending', filtered.cells, [
      ['16', 'r1'],
      ['13', 'r1'],
    ]);
    const contains = (await request(gateway, 'contains', null, [rows, ['table', { filters: [[1, 'contains', 'R2']] }]])) as Record<
      string,
      any
    >;
    expectEqual('rows whose name contains "R2" (any case)', contains.rows, 10);
  }),
  variablesCheck('complete names attributes by prefix and reads none of them', ['child', 'complete', 'getattr'], async (ctx) => {
    const gateway = await withVariables(ctx);
    const names = (await request(gateway, 'completions of conformance_box.', null, [
      ['child', ['a', 'conformance_box']],
      ['complete', '', 100],
    ])) as unknown[][];
    expectTrue(
      Array.isArray(names) && names.every((n) => Array.isArray(n) && n.length === 3),
      'completions',
      '[name, kind, typeName]s',
      names,
    );
    const byName = new Map(names.map((n) => [n[0], n[1]]));
    expectEqual(
      'kinds of label, shout and loud',
      [byName.get('label'), byName.get('shout'), byName.get('loud')],
      ['data', 'function', 'property'],
    );
    expectTrue(
      ![...byName.keys()].some((n) => String(n).startsWith('_')),
      'completions without a prefix',
      'no names starting with _',
      names,
    );
    const lo = (await request(gateway, 'completions of "lo"', null, [
      ['child', ['a', 'conformance_box']],
      ['complete', 'LO', 100],
    ])) as unknown[][];
    expectEqual(
      'completions of "LO"',
      lo.map((n) => n[0]),
      ['loud'],
    );
    const reads = await request(gateway, 'ConformanceBox.reads', null, [
      ['getattr', 'ConformanceBox'],
      ['getattr', 'reads'],
    ]);
    expectEqual('reads of the property while completing', reads, 0);
    const root = (await request(gateway, 'session names starting with conformance_fl', null, [
      ['complete', 'conformance_fl', 10],
    ])) as unknown[][];
    expectEqual(
      'session names starting with conformance_fl',
      root.map((n) => n[0]),
      ['conformance_float'],
    );
  }),
];
