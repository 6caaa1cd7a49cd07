import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RunCancelled, RunQueue } from '../../server/service/runQueue';

describe('the run queue of a gateway', () => {
  test('runs take turns in the order they were sent', async () => {
    const queue = new RunQueue();
    const order: string[] = [];
    const runs = ['a', 'b', 'c'].map(async (id) => {
      await queue.enter(id);
      order.push(`start ${id}`);
      await new Promise((r) => setTimeout(r, 5));
      order.push(`end ${id}`);
      queue.leave(id);
    });
    assert.deepEqual(queue.queued(), ['b', 'c']);
    await Promise.all(runs);
    assert.deepEqual(order, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  test('a cancelled run never starts; the others keep their order', async () => {
    const queue = new RunQueue();
    await queue.enter('running');
    const b = queue.enter('b');
    const c = queue.enter('c');
    assert.equal(queue.cancel('b', 'the user cancelled it'), true);
    await assert.rejects(b, RunCancelled);
    queue.leave('running');
    await c;
    assert.equal(queue.running, 'c');
    assert.deepEqual(queue.cancelAll('cleared'), []);
  });
});
