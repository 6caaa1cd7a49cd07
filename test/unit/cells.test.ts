import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cellAt, cellSource, parseCells } from '../../extension/cells/cellParser';

describe('# %% cells', () => {
  test('the markers of the Jupyter and Python extensions start cells; lines above the first belong to none', () => {
    const lines = ['import os', '# %%', 'a = 1', '', '#%% Second one', 'b = 2', '# In[ ]:', 'c = 3', '# In[12]:', 'd = 4', '', ''];
    const cells = parseCells(lines, 'python');
    assert.deepEqual(
      cells.map((c) => [c.start, c.end, c.title]),
      [
        [1, 2, ''],
        [4, 5, 'Second one'],
        [6, 7, ''],
        [8, 9, ''],
      ],
      'trailing blank lines are not part of a cell',
    );
    assert.equal(cellAt(cells, 0), undefined);
    assert.equal(cellAt(cells, 3)?.start, 1, 'a blank line belongs to the cell above it');
    assert.equal(cellAt(cells, 11)?.start, 8);
    assert.equal(cellSource(lines, cells[1]), '#%% Second one\nb = 2\n');
  });

  test('JavaScript and TypeScript cells start at // %%; # is no comment there', () => {
    const lines = ['// %% setup', "const os = require('os');", '# %%', '// %%', 'os.cpus().length'];
    assert.deepEqual(
      parseCells(lines, 'typescript').map((c) => [c.start, c.end, c.title]),
      [
        [0, 2, 'setup'],
        [3, 4, ''],
      ],
    );
    assert.deepEqual(parseCells(lines, 'javascript').length, 2);
  });

  test('a markdown cell is marked so, and is not code to run', () => {
    const cells = parseCells(['# %% [markdown] Notes', '# some *text*', '# %%', 'x'], 'python');
    assert.deepEqual(
      cells.map((c) => [c.kind, c.title]),
      [
        ['markdown', 'Notes'],
        ['code', ''],
      ],
    );
  });
});
