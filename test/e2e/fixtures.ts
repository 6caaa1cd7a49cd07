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
