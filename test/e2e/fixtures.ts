/** The workspace file the end-to-end tests run code from; tests refer to its lines by 0-based number. */
export const DEMO_PY = [
  'x = 21', // 0
  'y = x * 2', // 1
  'y', // 2
  '', // 3
  'def area(w, h):', // 4
  '    total = w * h', // 5
  '    return total', // 6
  '', // 7
  'import time', // 8
  'while True:', // 9
  '    time.sleep(0.05)', // 10
  '', // 11
  'def fail(n):', // 12
  '    return 10 / n', // 13
  '', // 14
  'fail(0)', // 15
  '', // 16
  'if True:', // 17
  '    indented = 3', // 18
  '    indented * 2', // 19
  '', // 20
  'class Box:', // 21
  '    def __init__(self):', // 22
  '        self.items = list(range(5))', // 23
  '        self.label = "box"', // 24
  '', // 25
  'box = Box()', // 26
  '', // 27
].join('\n');

/** JavaScript cells: running the first twice declares `os` again (a REPL's input, not a script's). */
export const CELLS_JS = [
  '// %% setup', // 0
  "const os = require('os');", // 1
  'class Counter {}', // 2
  'os.platform()', // 3
  '', // 4
  '// %% use', // 5
  'typeof Counter', // 6
  '',
].join('\n');

/** A file in a subfolder, for where a gateway starts (remoteExec.cwd). */
export const WHERE_PY = ['import os', '(os.getcwd(), os.environ.get("WHERE"))', ''].join('\n');
