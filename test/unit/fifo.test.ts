import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Fifo } from '../../protocol/fifo';

test('a Fifo gives its items back in order across the compactions of a long backlog', () => {
  const fifo = new Fifo<number>();
  const taken: number[] = [];
  let next = 0;
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 3000; i++) fifo.push(next++);
    for (let i = 0; i < 2000; i++) taken.push(fifo.shift()!);
    assert.equal(fifo.peek(), taken[taken.length - 1] + 1);
  }
  assert.equal(fifo.length, 5000);
  assert.deepEqual(
    [...fifo],
    Array.from({ length: 5000 }, (_, i) => 10000 + i),
    'iteration sees what is left, in order',
  );
  assert.deepEqual(
    taken,
    Array.from({ length: 10000 }, (_, i) => i),
  );
  assert.deepEqual(
    fifo.drain(),
    Array.from({ length: 5000 }, (_, i) => 10000 + i),
  );
  assert.equal(fifo.length, 0);
  assert.equal(fifo.shift(), undefined);
  assert.equal(fifo.peek(), undefined);
});
