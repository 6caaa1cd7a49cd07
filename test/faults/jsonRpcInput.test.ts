import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RawServer } from '../helpers/rawJsonRpcServer';

describe('the JSON-RPC backend answers every malformed input and keeps serving', () => {
  let server: RawServer;
  before(async () => {
    server = new RawServer();
    await server.stillServes();
  });
  after(() => server.kill());

  const parseErrors: [string, () => Buffer][] = [
    ['a body that is not JSON', () => server.frame('{"jsonrpc": "2.0", "id": 1, "method": ')],
    ['invalid UTF-8', () => server.frame(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]))],
    ['Content-Length: abc', () => Buffer.from('Content-Length: abc\r\n\r\n{"jsonrpc":"2.0","id":2,"method":"x"}')],
    ['a header without Content-Length', () => Buffer.from('Content-Type: application/json\r\n\r\n{"jsonrpc":"2.0","id":3,"method":"x"}')],
  ];
  for (const [what, bytes] of parseErrors) {
    test(`${what}: -32700 parse error`, async () => {
      const from = server.answers.length;
      server.write(bytes());
      await server.stillServes();
      const a = await server.nullError(from, what);
      assert.equal(a.error!.code, -32700, a.error!.message);
    });
  }

  test('a body cut short by the next message: -32700, and the next message is still answered', async () => {
    const from = server.answers.length;
    const next = JSON.stringify({ jsonrpc: '2.0', id: 77, method: 'remoteExec/listGateways' });
    const cut = '{"jsonrpc":"2.0","id":76,"method":"remoteExec/listGateways"';
    // The header announces the whole body, but only part of it comes before the next message.
    server.write(Buffer.concat([Buffer.from(`Content-Length: ${cut.length + 20}\r\n\r\n${cut}`), server.frame(next)]));
    await server.stillServes();
    assert.equal((await server.nullError(from, 'the cut body')).error!.code, -32700);
    assert.deepEqual((await server.answer((x) => x.id === 77, 'the message after the cut one', from)).result, []);
  });

  test('a batch: -32600 for each of its requests', async () => {
    const from = server.answers.length;
    server.write(
      server.frame(
        JSON.stringify([
          { jsonrpc: '2.0', id: 11, method: 'remoteExec/listGateways' },
          { jsonrpc: '2.0', id: 12, method: 'x' },
        ]),
      ),
    );
    for (const id of [11, 12]) assert.equal((await server.answer((x) => x.id === id, `batch element ${id}`, from)).error!.code, -32600);
    await server.stillServes();
  });

  test('a request without a method: -32600 with its id', async () => {
    const from = server.answers.length;
    server.write(server.frame(JSON.stringify({ jsonrpc: '2.0', id: 21 })));
    assert.equal((await server.answer((x) => x.id === 21, 'the request without a method', from)).error!.code, -32600);
    await server.stillServes();
  });

  test('a message that is not an object, or not JSON-RPC 2.0: -32600', async () => {
    const from = server.answers.length;
    server.write(server.frame('42'));
    assert.equal((await server.nullError(from, 'a bare number')).error!.code, -32600);
    server.write(server.frame(JSON.stringify({ id: 22, method: 'remoteExec/listGateways' })));
    assert.equal((await server.answer((x) => x.id === 22, 'a message without "jsonrpc"', from)).error!.code, -32600);
    await server.stillServes();
  });

  test('an unknown method: -32601', async () => {
    const from = server.answers.length;
    server.write(server.frame(JSON.stringify({ jsonrpc: '2.0', id: 31, method: 'remoteExec/noSuchThing' })));
    assert.equal((await server.answer((x) => x.id === 31, 'the unknown method', from)).error!.code, -32601);
  });

  test('params that are not an object, or missing where the request needs them: -32602', async () => {
    const from = server.answers.length;
    server.write(server.frame(JSON.stringify({ jsonrpc: '2.0', id: 41, method: 'remoteExec/openGateway', params: 5 })));
    server.write(server.frame(JSON.stringify({ jsonrpc: '2.0', id: 42, method: 'remoteExec/openGateway' })));
    assert.equal((await server.answer((x) => x.id === 41, 'params: 5', from)).error!.code, -32602);
    assert.equal((await server.answer((x) => x.id === 42, 'no params', from)).error!.code, -32602);
    await server.stillServes();
  });

  test('a body over the bound (400 MiB) is refused with -32600 and skipped, not buffered', async () => {
    const before = server.peakRss();
    const from = server.answers.length;
    const size = 400 * 1024 * 1024;
    const start = '{"jsonrpc":"2.0","id":51,"method":"remoteExec/listGateways","params":{"x":"';
    server.write(`Content-Length: ${size}\r\n\r\n${start}`);
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    for (let left = size - start.length; left > 0; left -= chunk.length) {
      if (!server.child.stdin!.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) {
        await new Promise((r) => server.child.stdin!.once('drain', r));
      }
    }
    const a = await server.nullError(from, 'the oversized body');
    assert.equal(a.error!.code, -32600, a.error!.message);
    await server.stillServes();
    assert.equal(
      server.answers.slice(from).some((x) => x.id === 51),
      false,
      'the refused request is not run',
    );
    const growth = server.peakRss() - before;
    assert.ok(growth < 64 * 1024 * 1024, `peak RSS grew by ${growth} bytes while a 400 MiB body streamed past`);
  });
});
