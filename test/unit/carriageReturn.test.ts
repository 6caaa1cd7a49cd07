import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { carriageReturn } from '../../contract/runChanges';

describe('carriage returns in output lines, as a terminal shows them', () => {
  test('each \\r overwrites the line from its start; a shorter overwrite keeps the tail', () => {
    assert.equal(carriageReturn(' 10%|#    |\r 50%|###  |\r100%|#####|'), '100%|#####|');
    assert.equal(carriageReturn('abcdef\rXY'), 'XYcdef');
    assert.equal(carriageReturn('waiting\r'), 'waiting', 'a return with nothing after it overwrites nothing yet');
    assert.equal(carriageReturn('plain'), 'plain');
  });

  test('coloured text is replaced whole, its columns not being its characters', () => {
    assert.equal(carriageReturn('\x1b[32m 10%\x1b[0m\r\x1b[32m 20%\x1b[0m'), '\x1b[32m 20%\x1b[0m');
  });
});
