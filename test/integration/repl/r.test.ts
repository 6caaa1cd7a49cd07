import * as fs from 'node:fs';
import * as path from 'node:path';
import { replSuite } from './replSuite';

const hasR = (process.env.PATH ?? '').split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, 'R')));

replSuite('R', {
  skip: !hasR && 'R is not installed (scripts/setup-test-deps.sh installs r-base-core)',
  spec: 'popen//repl=R --vanilla',
  language: /^R$/,
  multiLine: [
    'total <- 0\nfor (i in 0:2) {\n  total <- total + i\n  cat(i, "\\n", sep = "")\n}\ncat("total", total, "\\n")',
    '0\n1\n2\ntotal 3 \n',
  ],
  failing: ['cat("before\\n")\nstop("boom")', /^simpleError$/],
  count20k: 'for (i in 0:19999) cat(i, "\\n", sep = "")',
  forever: 'repeat { Sys.sleep(0.05) }',
  persists: ['x <- 21', 'x * 2', '[1] 42\n'],
});
