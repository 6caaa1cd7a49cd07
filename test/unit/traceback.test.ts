import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rewriteTraceback, tracebackStack, type FrameResolver } from '../../server/service/traceback';

const resolver: FrameResolver = {
  originOf: (name) => (name === '<remote-exec-3>' ? { uri: 'file:///w/cells.js', startLine: 10 } : undefined),
  fileUri: (path) => `remote-exec-file://gw0${path}`,
};

describe('traceback frames', () => {
  test("Node frames: the run's own lines map to the document, a library's file and line are kept, internals are not linked", () => {
    const traceback = [
      'TypeError: boom',
      '    at parse (/srv/app/node_modules/lib/index.js:42:7)',
      '    at Object.readFileSync (node:fs:441:20)',
      '    at <remote-exec-3>:2:5',
      '    at file:///srv/app/esm.mjs:3:1',
      '    at async Promise.all (index 0)',
    ].join('\n');
    const stack = tracebackStack(traceback, resolver);
    assert.deepEqual(
      stack.map((f) => [f.uri, f.line, f.library ?? false, f.tracebackLine]),
      [
        ['remote-exec-file://gw0/srv/app/node_modules/lib/index.js', 41, true, 1],
        ['file:///w/cells.js', 11, false, 3],
        ['remote-exec-file://gw0/srv/app/esm.mjs', 2, true, 4],
      ],
    );
    assert.equal(rewriteTraceback(traceback, resolver.originOf).split('\n')[3], '    at /w/cells.js:12:5');
  });

  test("Python frames: <frozen> and the agent's own are not files; a syntax error's line is a frame", () => {
    const traceback = [
      'Traceback (most recent call last):',
      '  File "<remote-exec-3>", line 1, in <module>',
      '  File "<frozen importlib._bootstrap>", line 1027, in _find_and_load',
      '  File "remote-exec-agent", line 900, in _run_exec',
      '  File "/usr/lib/python3/dist-packages/pandas/core/frame.py", line 3761, in __getitem__',
      '  File "<remote-exec-3>", line 4',
    ].join('\n');
    assert.deepEqual(
      tracebackStack(traceback, resolver).map((f) => [f.uri, f.line]),
      [
        ['file:///w/cells.js', 10],
        ['remote-exec-file://gw0/usr/lib/python3/dist-packages/pandas/core/frame.py', 3760],
        ['file:///w/cells.js', 13],
      ],
    );
  });
});
