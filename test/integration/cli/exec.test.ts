import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { version } from '../../../package.json';
import { cli, cliInTerminal, cliPiped, scratch } from './cliRun';

const files = scratch();
after(() => files.cleanup());

describe('remote-exec exec FILE ARGS runs the file as python3 FILE ARGS would', () => {
  const script = files.write(
    'argv.py',
    Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(
        'import sys\nprint(sys.argv, __file__, __name__)\nif sys.argv[1:2] == ["fail"]:\n    1 / 0\nsys.exit(int(sys.argv[1]))\n',
      ),
    ]),
  );

  test('sys.argv is [FILE, ARGS...], __file__ is FILE, __name__ is __main__, and a UTF-8 BOM is accepted', () => {
    const r = cli(['exec', script, '0', '--help', '-x'], { cwd: files.dir });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, "['argv.py', '0', '--help', '-x'] argv.py __main__\n");
    assert.equal(r.status, 0);
  });

  test("the file is sys.modules['__main__'], so pickle finds the classes it defines", () => {
    const r = cli([
      'exec',
      '-c',
      'import pickle\nclass Point:\n    pass\np = pickle.loads(pickle.dumps(Point()))\nprint(type(p).__name__, type(p) is Point)',
    ]);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'Point True\n');
  });

  test('sys.exit(N) ends the CLI with status N and no SystemExit traceback', () => {
    const r = cli(['exec', script, '7'], { cwd: files.dir });
    assert.equal(r.status, 7);
    assert.equal(r.stderr, '');
  });

  test("an uncaught exception prints Python's traceback naming the file, without the agent's frames, and exits 1", () => {
    const r = cli(['exec', script, 'fail'], { cwd: files.dir });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^Traceback \(most recent call last\):\n {2}File "argv\.py", line 4, in <module>\n/);
    assert.match(r.stderr, /ZeroDivisionError: division by zero\n$/);
    assert.doesNotMatch(r.stderr, /remote-exec-agent|<remote-exec>|run_as_main/);
  });

  test('"-" reads the program from standard input; its arguments follow, as with python3 -', () => {
    const r = cli(['exec', '-', 'a', 'b'], { input: 'import sys\nprint(sys.argv, __name__)\n' });
    assert.equal(r.stdout, "['-', 'a', 'b'] __main__\n");
    assert.equal(r.status, 0);
  });

  test('with no -c and no FILE, code piped in is the program, as python3 runs it (sys.argv is [""])', () => {
    const r = cli(['exec'], { input: 'import sys\nprint(sys.argv, __name__)\n' });
    assert.equal(r.stdout, "[''] __main__\n");
    assert.equal(r.status, 0);
  });

  test('-c CODE together with a FILE is refused, saying why', () => {
    const r = cli(['exec', '-c', 'print(1)', script], { cwd: files.dir });
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /either -c CODE or a FILE/);
  });

  test('a missing file or a folder is named in a sentence, not as ENOENT or EISDIR', () => {
    const missing = cli(['exec', 'nosuch.py'], { cwd: files.dir });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /"nosuch\.py": nosuch\.py does not exist; check the path/);
    assert.doesNotMatch(missing.stderr, /ENOENT|at \w+ \(/);
    const folder = cli(['exec', files.dir]);
    assert.equal(folder.status, 2);
    assert.match(folder.stderr, /is a folder, not a file/);
    assert.doesNotMatch(folder.stderr, /EISDIR/);
  });
});

describe('remote-exec exec FILE ARGS on a Node gateway runs the file as node FILE ARGS would', () => {
  files.write('helper.js', 'module.exports = "from the helper";\n');
  const script = files.write(
    'argv.js',
    'const helper = require("./helper");\nconsole.log(JSON.stringify(process.argv.slice(2)), require("path").basename(__filename), helper);\nif (process.argv[2] === "fail") null.f();\nprocess.exit(Number(process.argv[2]));\n',
  );
  const node = (...args: string[]) => cli(['exec', '--spec', 'popen//node=node', script, ...args], { cwd: files.dir });

  test('process.argv, __filename and require relative to the file; process.exit(N) is the status', () => {
    const r = node('5', '--x');
    assert.equal(r.stdout, '["5","--x"] argv.js from the helper\n');
    assert.equal(r.stderr, '');
    assert.equal(r.status, 5);
  });

  test('channel and gateway stay in scope, as in any remoteExec on a Node agent', () => {
    const r = cli(['exec', '--spec', 'popen//node=node', '-c', 'console.log(typeof channel.send, typeof gateway.input)']);
    assert.equal(r.stdout, 'function function\n');
  });

  test("an uncaught error prints its stack at the file's line, without the agent's frames, and exits 1", () => {
    const r = node('fail');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^TypeError: Cannot read properties of null \(reading 'f'\)\n {4}at argv\.js:3:/);
    assert.doesNotMatch(r.stderr, /remote-exec|node:internal/);
  });
});

describe('remote-exec exec and standard input', () => {
  test('a line piped in is what input() returns', () => {
    const r = cli(['exec', '-c', 'print(input())'], { input: 'hi\n' });
    assert.equal(r.stdout, 'hi\n');
    assert.equal(r.status, 0);
  });

  test("input('prompt') shows the prompt once and not the answer, as python3 does with a pipe; end of input is EOFError", () => {
    const r = cli(['exec', '-c', 'a = input("name? ")\nprint("got", a)\ninput()'], { input: 'bob\n' });
    assert.equal(r.stdout, 'name? got bob\n');
    assert.match(r.stderr, /EOFError: EOF when reading a line\n$/);
    assert.equal(r.status, 1);
  });

  test('on a terminal, with nothing named to run, it says what to give instead of waiting for input', async () => {
    const t = cliInTerminal(['exec']);
    assert.equal(await t.exited, 2);
    assert.match(t.screen(), /nothing to run: give -c CODE, a FILE, or -/);
  });

  test('on a terminal, input() reads what the user types', async () => {
    const t = cliInTerminal(['exec', '-c', 'print("you said", input("name? "))']);
    await t.waitFor(/name\? /);
    t.pty.write('bob\r');
    assert.equal(await t.exited, 0);
    assert.match(t.screen(), /you said bob/);
  });
});

describe('remote-exec exec on a REPL gateway and the terminal', () => {
  test('under repl=bash, `read x` reads the line the user types', async () => {
    const t = cliInTerminal(['exec', '--spec', 'popen//repl=bash', '-c', 'echo ready; read x; echo "got $x"']);
    await t.waitFor(/ready/);
    t.pty.write('hello there\r');
    assert.equal(await t.exited, 0);
    assert.match(t.screen(), /got hello there/);
  });
});

describe('remote-exec exec and Ctrl-C', () => {
  test('Ctrl-C interrupts the remote code: KeyboardInterrupt, finally blocks run, the traceback shown, exit 130', async () => {
    const t = cliInTerminal([
      'exec',
      '-c',
      'import time\ntry:\n    print("ready", flush=True)\n    time.sleep(120)\nfinally:\n    print("cleaned up")',
    ]);
    await t.waitFor(/ready/);
    t.pty.write('\x03');
    assert.equal(await t.exited, 130);
    assert.match(t.screen(), /cleaned up/);
    assert.match(t.screen(), /KeyboardInterrupt/);
  });

  test('a second Ctrl-C ends it at once when the code will not stop', async () => {
    const t = cliInTerminal([
      'exec',
      '-c',
      'print("ready", flush=True)\nwhile True:\n    try:\n        while True:\n            sum(range(100))\n    except KeyboardInterrupt:\n        try:\n            print("ignoring it", flush=True)\n        except KeyboardInterrupt:\n            pass',
    ]);
    await t.waitFor(/ready/);
    t.pty.write('\x03');
    await t.waitFor(/ignoring it/);
    t.pty.write('\x03');
    assert.equal(await t.exited, 130);
  });
});

describe('remote-exec in pipes', () => {
  test('a reader that stops early (| head -1) ends it quietly, without an EPIPE stack trace', async () => {
    const r = await cliPiped(['exec', '-c', 'for i in range(10**6): print(i)'], 'head -1');
    assert.equal(r.stdout, '0\n');
    assert.equal(r.stderr, '');
    assert.equal(r.statuses, '141 0');
  });

  const ESC = String.fromCharCode(27);
  const logging = ['exec', '-c', 'import logging\nlogging.getLogger("app").warning("careful")'];
  test('colour only on a terminal: none in a pipe, on with FORCE_COLOR, off with NO_COLOR', async () => {
    assert.equal(cli(logging).stderr, '[WARNING] app: careful\n');
    assert.match(cli(logging, { env: { FORCE_COLOR: '1' } }).stderr, new RegExp(`${ESC}\\[33m\\[WARNING\\]`));
    assert.equal(cli(logging, { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stderr.includes(ESC), false);
    const demo = cli(['demo']);
    assert.equal(demo.status, 0);
    assert.equal(demo.stdout.includes(ESC), false);
  });
});

describe('remote-exec --version and help', () => {
  test('--version prints the version', () => {
    const r = cli(['--version']);
    assert.equal(r.stdout, `remote-exec ${version}\n`);
    assert.equal(r.status, 0);
  });

  test('"help SUBCOMMAND" and "SUBCOMMAND --help" print its help and never run it', () => {
    for (const args of [
      ['help', 'bench'],
      ['bench', '--help'],
      ['bench', '--quick', '-h'],
    ]) {
      const r = cli(args);
      assert.equal(r.status, 0, args.join(' '));
      assert.match(r.stdout, /^usage: remote-exec bench /, args.join(' '));
      assert.equal(r.stderr, '', `${args.join(' ')} ran the benchmark`);
    }
    const serve = cli(['serve', '--help']);
    assert.match(serve.stdout, /^usage: remote-exec serve /);
    assert.doesNotMatch(serve.stdout, /listening/);
  });
});
