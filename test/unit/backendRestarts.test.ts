import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendRestarts } from '../../extension/backendRestarts';

test('a backend that exits is restarted four times in three minutes, then left down with a notice that says so', () => {
  const restarts = new BackendRestarts();
  const at = [0, 10_000, 20_000, 30_000, 40_000];
  const notices = at.map((t) => restarts.exited(t));
  assert.deepEqual(
    notices.map((n) => n.restarted),
    [true, true, true, true, false],
  );
  assert.match(notices[0].message, /restarted\. Its gateways closed with it/);
  assert.match(notices[4].message, /stopped 5 times in 3 minutes and was not restarted/);
  assert.deepEqual(restarts.notices(), notices, 'each notice is kept for whoever asks what the user was told');
});

test('exits spread over more than the window keep being restarted', () => {
  const restarts = new BackendRestarts();
  for (let i = 0; i < 20; i++) assert.equal(restarts.exited(i * 60_000).restarted, true, `exit ${i}, a minute after the last`);
  assert.equal(restarts.notices().length, 20);
  restarts.exited(20 * 60_000);
  assert.equal(restarts.notices().length, 20, 'the notices kept are bounded');
});

test('a restart the user asked for starts the count again', () => {
  const restarts = new BackendRestarts();
  for (let i = 0; i < 5; i++) restarts.exited(i);
  assert.equal(restarts.exited(6).restarted, false);
  restarts.reset();
  assert.equal(restarts.exited(7).restarted, true);
});
