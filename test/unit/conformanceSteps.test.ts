import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OBJECT_STEPS } from '../../protocol/messages';
import { CHECKS } from '../../server/conformance/checks';

test('every OBJECT step of the protocol is exercised by a conformance check', () => {
  const exercised = new Set(CHECKS.flatMap((c) => c.steps ?? []));
  assert.deepEqual(
    OBJECT_STEPS.map((s) => s.name).filter((name) => !exercised.has(name)),
    [],
    'steps no check exercises',
  );
});
