import { replSuite } from './replSuite';

replSuite('node', {
  spec: 'popen//repl=node',
  language: /^node-repl$/,
  multiLine: [
    'var total = 0;\nfor (let i = 0; i < 3; i++) {\n  total += i;\n  console.log(i);\n}\nconsole.log("total", total);',
    '0\n1\n2\ntotal 3\n',
  ],
  failing: ['console.log("before");\nnull.property;', /^TypeError$/],
  count20k: 'for (let i = 0; i < 20000; i++) console.log(i);',
  forever: 'while (true) {}',
  persists: ['var x = 21;', 'x * 2', '42\n'],
});
