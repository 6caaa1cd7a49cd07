import { MessageType, RemoteError, type ObjectStep, type ObjectStepName } from '../../../protocol';
import { expectEqual, expectTrue, fail, sameValue, show, type Check } from '../check';
import { RawConnection, RawRef } from '../rawConnection';
import { closedCleanly, describeError, refId, request, snippetsOf, limits } from './helpers';

let nextRequest = 100;

/** One OBJECT request on a raw connection; returns the REPLY payload or fails naming the REPLY_ERROR. */
async function rawRequest(
  raw: RawConnection,
  what: string,
  target: number | null,
  steps: ObjectStep[],
  returnType = 'auto',
): Promise<unknown> {
  const id = nextRequest++;
  raw.send(MessageType.OBJECT, id, [target, steps, returnType]);
  const [type, , payload] = await raw.reply(id, limits.stepMs, what);
  if (type !== MessageType.REPLY) fail(what, 'REPLY', describeError(payload));
  return payload;
}

async function rawStatus(raw: RawConnection): Promise<Record<string, number>> {
  const id = nextRequest++;
  raw.send(MessageType.STATUS, id, null);
  return (await raw.reply(id, limits.stepMs, 'the STATUS reply'))[2] as Record<string, number>;
}

const objectCheck = (name: string, steps: ObjectStepName[], run: Check['run']): Check => ({
  name: `objects: ${name}`,
  needsSnippets: true,
  needsCapability: 'objects',
  steps,
  run,
});

export const objectChecks: Check[] = [
  objectCheck('import and getattr come back by value under auto', ['import', 'getattr'], async (ctx) => {
    const o = snippetsOf(ctx).objects;
    const gateway = await ctx.shared();
    expectEqual(
      `${o.module}.${o.attr}`,
      await request(gateway, `import ${o.module}; getattr ${o.attr}`, null, [
        ['import', o.module],
        ['getattr', o.attr],
      ]),
      o.attrValue,
    );
  }),
  objectCheck('returnType proxy, value and auto (§7.3)', ['import', 'getattr'], async (ctx) => {
    const o = snippetsOf(ctx).objects;
    const gateway = await ctx.shared();
    const asProxy = await request(
      gateway,
      `${o.attr} with proxy`,
      null,
      [
        ['import', o.module],
        ['getattr', o.attr],
      ],
      'proxy',
    );
    refId(gateway, asProxy, `${o.module}.${o.attr} with returnType proxy`);
    const module = await request(gateway, `import ${o.module} with value`, null, [['import', o.module]], 'value');
    refId(gateway, module, `module ${o.module} with returnType value (no encoding: falls back to a reference)`);
    const auto = await request(gateway, `import ${o.module} with auto`, null, [['import', o.module]]);
    refId(gateway, auto, `module ${o.module} with returnType auto`);
  }),
  objectCheck('call with args and kwargs', ['getattr', 'call'], async (ctx) => {
    const o = snippetsOf(ctx).objects;
    const gateway = await ctx.shared();
    expectEqual('call result', await request(gateway, 'the call', null, o.call), o.callResult);
  }),
  objectCheck('a pipelined chain is one request (STATUS msgsIn grows by 2)', ['import', 'getattr', 'call'], async (ctx) => {
    const o = snippetsOf(ctx).objects;
    const raw = await ctx.raw();
    const before = await rawStatus(raw);
    expectEqual('chain result', await rawRequest(raw, 'the chain', null, o.chain), o.chainResult);
    const after = await rawStatus(raw);
    expectEqual('msgsIn delta over the chain and one STATUS', after.msgsIn - before.msgsIn, 2);
  }),
  objectCheck('the same object gets the same id; RELEASE brings numobjects back; ids are not reused', ['import'], async (ctx) => {
    const o = snippetsOf(ctx).objects;
    const raw = await ctx.raw();
    const base = await rawStatus(raw);
    const first = await rawRequest(raw, `import ${o.module} as a reference`, null, [['import', o.module]], 'proxy');
    const second = await rawRequest(raw, `import ${o.module} again`, null, [['import', o.module]], 'proxy');
    expectTrue(first instanceof RawRef, 'first import', 'an object reference (ext 1)', first);
    expectTrue(second instanceof RawRef, 'second import', 'an object reference (ext 1)', second);
    expectEqual('id of the same object exported twice', second.id, first.id);
    expectTrue(
      typeof first.typeName === 'string' && typeof first.callable === 'boolean',
      'ext 1 body',
      '[id: uint, typeName: str, callable: bool]',
      [first.id, first.typeName, first.callable],
    );
    const held = await rawStatus(raw);
    expectEqual('numobjects with the module exported', held.numobjects, base.numobjects + 1);
    expectTrue(held.nextid > first.id, 'nextid', `above the last id given (${first.id})`, held.nextid);
    raw.send(MessageType.RELEASE, 0, [[first.id, 1]]);
    expectEqual('numobjects after releasing one of two references', (await rawStatus(raw)).numobjects, base.numobjects + 1);
    raw.send(MessageType.RELEASE, 0, [[first.id, 1]]);
    expectEqual('numobjects after releasing both references', (await rawStatus(raw)).numobjects, base.numobjects);
    const third = await rawRequest(raw, `import ${o.module} after its release`, null, [['import', o.module]], 'proxy');
    expectTrue(
      third instanceof RawRef && third.id !== first.id,
      'id after release and re-export',
      `a new id (not ${first.id})`,
      third instanceof RawRef ? third.id : third,
    );
  }),
  objectCheck('setattr, getattr and delattr', ['setattr', 'getattr', 'delattr'], async (ctx) => {
    const o = snippetsOf(ctx).objects;
    const gateway = await ctx.shared();
    const id = refId(gateway, await request(gateway, 'a new object', null, o.attrTarget, 'proxy'), 'the new object');
    expectEqual('setattr result', await request(gateway, 'setattr', id, [['setattr', 'conformance', [1, 'x']]]), null);
    expectEqual('getattr after setattr', await request(gateway, 'getattr', id, [['getattr', 'conformance']]), [1, 'x']);
    expectEqual('delattr result', await request(gateway, 'delattr', id, [['delattr', 'conformance']]), null);
    try {
      const after = await gateway.objectRequest(id, [['getattr', 'conformance']]);
      if (after !== null && after !== undefined) fail('getattr after delattr', 'REPLY_ERROR or nil', show(after));
    } catch (err) {
      if (!(err instanceof RemoteError)) throw err;
    }
  }),
  objectCheck('setitem, getitem and delitem', ['setitem', 'getitem', 'delitem'], async (ctx) => {
    const o = snippetsOf(ctx).objects;
    const gateway = await ctx.shared();
    const id = refId(gateway, await request(gateway, 'a new object', null, o.itemTarget, 'proxy'), 'the new object');
    expectEqual('setitem result', await request(gateway, 'setitem', id, [['setitem', 'k', { v: 2 }]]), null);
    expectEqual('getitem after setitem', await request(gateway, 'getitem', id, [['getitem', 'k']]), { v: 2 });
    expectEqual('delitem result', await request(gateway, 'delitem', id, [['delitem', 'k']]), null);
  }),
  objectCheck('eq and repr', ['eq', 'repr'], async (ctx) => {
    const o = snippetsOf(ctx).objects;
    const gateway = await ctx.shared();
    const module = await request(gateway, `import ${o.module}`, null, [['import', o.module]], 'proxy');
    const id = refId(gateway, module, `module ${o.module}`);
    expectEqual('eq with itself', await request(gateway, 'eq', id, [['eq', module]]), true);
    expectEqual('eq with a string', await request(gateway, 'eq', id, [['eq', 'not the module']]), false);
    const text = await request(gateway, 'repr', id, [['repr']]);
    expectTrue(typeof text === 'string' && text.length > 0, 'repr', 'a non-empty str', text);
  }),
  objectCheck('iter and next walk a sequence in batches', ['iter', 'next'], async (ctx) => {
    const o = snippetsOf(ctx).objects;
    const gateway = await ctx.shared();
    const id = refId(gateway, await request(gateway, 'the sequence', null, o.sequence, 'proxy'), 'the sequence');
    const started = (await request(gateway, 'iter', id, [['iter', 3]])) as unknown[];
    expectTrue(Array.isArray(started) && started.length === 3, 'iter result', '[iteratorRef, firstItems, done]', started);
    const [iterator, first, firstDone] = started as [unknown, unknown[], boolean];
    const iteratorId = refId(gateway, iterator, 'the iterator');
    expectEqual('first batch', first, [0, 1, 2]);
    const items = [...first];
    let done = firstDone;
    for (let round = 0; !done && round < 10; round++) {
      const [batch, end] = (await request(gateway, 'next', iteratorId, [['next', 3]])) as [unknown[], boolean];
      if (!Array.isArray(batch)) fail('next result', '[items, done]', batch);
      items.push(...batch);
      done = end;
    }
    expectEqual('items walked', items, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expectEqual('done at the end', done, true);
  }),
  objectCheck('inspect gives id, type, bounded repr, len, callable and a page of attrs', ['inspect'], async (ctx) => {
    const o = snippetsOf(ctx).objects;
    const gateway = await ctx.shared();
    const id = refId(gateway, await request(gateway, 'the sequence', null, o.sequence, 'proxy'), 'the sequence');
    const info = (await request(gateway, 'inspect', id, [['inspect', 0, 5]])) as Record<string, unknown>;
    expectTrue(typeof info === 'object' && info !== null, 'inspect result', 'a map', info);
    expectEqual('inspect id', info.id, id);
    expectTrue(typeof info.type === 'string', 'inspect type', 'a str', info.type);
    expectTrue(typeof info.repr === 'string' && info.repr.length <= 200, 'inspect repr', 'a str of at most 200 characters', info.repr);
    expectEqual('inspect len of a 10-item sequence', info.len, 10);
    expectTrue(typeof info.callable === 'boolean', 'inspect callable', 'a bool', info.callable);
    const attrs = info.attrs as unknown[];
    expectTrue(Array.isArray(attrs) && attrs.length <= 5, 'inspect attrs', 'an array of at most `limit` (5) entries', attrs);
    expectTrue(
      attrs.every((a) => Array.isArray(a) && a.length === 3 && a.every((x) => typeof x === 'string')),
      'inspect attrs entries',
      '[name, typeName, shortRepr] of str',
      attrs,
    );
    expectTrue(typeof info.total === 'number' && info.total >= attrs.length, 'inspect total', `an int >= ${attrs.length}`, info.total);
  }),
  objectCheck('list names the exported objects', ['list'], async (ctx) => {
    const o = snippetsOf(ctx).objects;
    const gateway = await ctx.shared();
    const id = refId(gateway, await request(gateway, 'the sequence', null, o.sequence, 'proxy'), 'the sequence');
    const listed = (await request(gateway, 'list', null, [['list']])) as unknown[];
    expectTrue(Array.isArray(listed), 'list result', 'an array of [id, typeName, repr]', listed);
    const entry = listed.find((e) => Array.isArray(e) && e[0] === id) as unknown[] | undefined;
    if (!entry) fail('list result', `an entry for object ${id}`, show(listed));
    expectTrue(typeof entry[1] === 'string' && typeof entry[2] === 'string', `entry for ${id}`, '[id, typeName: str, repr: str]', entry);
  }),
  objectCheck("str and len give the language's string form and length; len of what has none fails", ['str', 'len'], async (ctx) => {
    const o = snippetsOf(ctx).objects;
    const gateway = await ctx.shared();
    const id = refId(gateway, await request(gateway, 'the sequence', null, o.sequence, 'proxy'), 'the sequence');
    expectEqual('str of the sequence', await request(gateway, 'str', id, [['str']]), o.sequenceStr);
    expectEqual('len of the 10-item sequence', await request(gateway, 'len', id, [['len']]), 10);
    const other = refId(gateway, await request(gateway, 'an object without a length', null, o.attrTarget, 'proxy'), 'the object');
    try {
      const got = await gateway.objectRequest(other, [['len']]);
      fail('len of an object without a length', 'REPLY_ERROR', show(got));
    } catch (err) {
      if (err instanceof Error && err.name === 'CheckFailure') throw err;
      if (!(err instanceof RemoteError)) fail('len of an object without a length', 'REPLY_ERROR (a RemoteException)', describeError(err));
    }
  }),
  objectCheck('statement_at gives the lines of the top-level statement holding a line', ['statement_at'], async (ctx) => {
    const { source, line, range } = snippetsOf(ctx).objects.statementAt;
    const gateway = await ctx.shared();
    expectEqual(`statement_at line ${line}`, await request(gateway, 'statement_at', null, [['statement_at', source, line]]), range);
  }),
  {
    name: 'objects: namespace holds what session code defined (§8)',
    needsSnippets: true,
    needsCapability: 'session',
    steps: ['namespace'],
    async run(ctx) {
      const { source, name } = snippetsOf(ctx).objects.sessionDefine;
      // A gateway of its own: the definition stays in the session namespace of its agent.
      const gateway = await ctx.fresh();
      await closedCleanly(gateway.remoteExec(source, { session: true }), 'the session run defining a name');
      const ns = await request(gateway, 'namespace', null, [['namespace']]);
      const value = ns instanceof Map ? ns.get(name) : typeof ns === 'object' && ns !== null ? (ns as Record<string, unknown>)[name] : ns;
      expectEqual(`${name} in the namespace`, value, 42);
    },
  },
  objectCheck('a failing step gets REPLY_ERROR with type, message and traceback', ['import'], async (ctx) => {
    const gateway = await ctx.shared();
    try {
      const got = await gateway.objectRequest(null, [['import', 'conformance_no_such_module']]);
      fail('import of a missing module', 'REPLY_ERROR', show(got));
    } catch (err) {
      if (!(err instanceof RemoteError)) {
        if (err instanceof Error && err.name === 'CheckFailure') throw err;
        fail('import of a missing module', 'REPLY_ERROR (a RemoteException)', describeError(err));
      }
      expectTrue(err.remoteType !== '', 'REPLY_ERROR type', 'the exception type name', err.remoteType);
      expectTrue(
        err.remoteMessage.includes('conformance_no_such_module'),
        'REPLY_ERROR message',
        'one naming the module',
        err.remoteMessage,
      );
      expectTrue(typeof err.remoteTraceback === 'string', 'REPLY_ERROR traceback', 'a str', err.remoteTraceback);
    }
    await request(gateway, 'a request after the error', null, [['import', snippetsOf(ctx).objects.module]]);
  }),
  {
    name: 'CALLBACK: a host function passed in a call is called back and answered',
    needsSnippets: true,
    needsCapability: 'callbacks',
    steps: ['getattr', 'call'],
    async run(ctx) {
      const o = snippetsOf(ctx).objects;
      const gateway = await ctx.shared();
      let calls = 0;
      const negate = (x: number) => {
        calls++;
        return -x;
      };
      const result = await request(gateway, 'the call that calls back', null, o.callback(negate));
      expectTrue(calls > 0, 'host function calls', 'at least one CALLBACK', calls);
      if (!sameValue(result, o.callbackResult)) fail('result of the call', show(o.callbackResult), show(result));
    },
  },
];
