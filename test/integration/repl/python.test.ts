import { replSuite } from './replSuite';

replSuite('python3', {
  spec: 'popen//repl=python3',
  language: /^python-repl$/,
  multiLine: ['total = 0\nfor i in range(3):\n    total += i\n    print(i)\n\nprint("total", total)', '0\n1\n2\ntotal 3\n'],
  failing: ['print("before")\n1/0', /^ZeroDivisionError$/],
  count20k: 'for i in range(20000):\n    print(i)',
  forever: 'import time\nwhile True:\n    time.sleep(0.05)',
  persists: ['x = 21', 'x * 2', '42\n'],
});
