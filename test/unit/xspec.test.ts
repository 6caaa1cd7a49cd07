import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseXSpec, splitCommandLine, XSpecError } from '../../server/gateway/xspec';
import { parseSshAddress, sshArgv } from '../../server/transports/ssh';

describe('xspec', () => {
  test('popen defaults to python3', () => {
    const s = parseXSpec('popen');
    assert.equal(s.transport, 'popen');
    assert.equal(s.interpreter, 'python');
    assert.deepEqual(s.argv, ['python3']);
  });

  test('every popen key is read', () => {
    const s = parseXSpec("popen//python=/usr/bin/python3 -X 'utf8'//chdir=/tmp//nice=5//env:GREETING=hi there//env:X=a=b//id=worker1");
    assert.deepEqual(s.argv, ['/usr/bin/python3', '-X', 'utf8']);
    assert.equal(s.chdir, '/tmp');
    assert.equal(s.nice, 5);
    assert.deepEqual(s.env, { GREETING: 'hi there', X: 'a=b' });
    assert.equal(s.id, 'worker1');
  });

  test('transport and interpreter are orthogonal', () => {
    const s = parseXSpec('ssh=alice@host:2222//repl=R --vanilla');
    assert.equal(s.transport, 'ssh');
    assert.equal(s.address, 'alice@host:2222');
    assert.equal(s.interpreter, 'repl');
    assert.deepEqual(s.argv, ['R', '--vanilla']);
    assert.equal(parseXSpec('python=python3.11').transport, 'popen');
  });

  test('requests= takes a positive count of proxy calls in flight; anything else is refused', () => {
    assert.equal(parseXSpec('popen//requests=16').requests, 16);
    assert.equal(parseXSpec('popen').requests, undefined);
    for (const bad of ['0', '-1', 'many', '1.5', '99999999999999999999'])
      assert.throws(() => parseXSpec(`popen//requests=${bad}`), /requests= needs a positive count/, bad);
  });

  test('spin= takes microseconds, 0 to disable; anything else is refused', () => {
    assert.equal(parseXSpec('popen//spin=0').options.spin, '0');
    assert.equal(parseXSpec('popen//spin=25').options.spin, '25');
    assert.throws(() => parseXSpec('popen//spin=-1'), /spin= needs microseconds/);
    assert.throws(() => parseXSpec('popen//spin=fast'), /spin= needs microseconds/);
  });

  test('ssh= takes IPv6 addresses in brackets, as ssh takes them bare with -p', () => {
    for (const [spec, user, host, port] of [
      ['ssh=alice@[::1]:2222', 'alice', '::1', 2222],
      ['ssh=[::1]', undefined, '::1', undefined],
      ['ssh=bob@[fe80::1%eth0]', 'bob', 'fe80::1%eth0', undefined],
      ['ssh=alice@host.example:22', 'alice', 'host.example', 22],
    ] as const) {
      assert.deepEqual(parseSshAddress(parseXSpec(spec).address!), { user, host, port }, spec);
    }
    const argv = sshArgv(parseXSpec('ssh=alice@[::1]:2222'), {});
    assert.deepEqual(argv.slice(argv.indexOf('-p'), argv.indexOf('-p') + 2), ['-p', '2222']);
    assert.equal(argv[argv.indexOf('--') + 1], 'alice@::1');
  });

  test('a bad spec names the bad part', () => {
    const cases: [string, RegExp][] = [
      ['popen//pyhton=python3', /unknown key "pyhton" in part 2 "pyhton=python3"/],
      ['popen//nice=high', /nice= needs an integer: part 2/],
      ['popen//python=a//node=b', /second interpreter in part 3/],
      ['popen//ssh=h', /second transport/],
      ['ssh=', /ssh= needs \[user@\]host\[:port\]/],
      ['ssh=::1', /an IPv6 host in brackets: \[::1\]/],
      ['ssh=host:0', /port 0 is not a TCP port \(1 to 65535\)/],
      ['socket=127.0.0.1:99999', /port 99999 is not a TCP port/],
      ['popen////id=x', /empty part 2/],
      ['popen//env:1X=y', /bad environment variable name "1X"/],
      ["popen//python=python3 'unterminated", /unterminated ' quote/],
      ['', /empty xspec/],
    ];
    for (const [spec, pattern] of cases)
      assert.throws(
        () => parseXSpec(spec),
        (e: Error) => e instanceof XSpecError && pattern.test(e.message),
        spec,
      );
  });

  test('command lines split like a shell', () => {
    assert.deepEqual(splitCommandLine(`a "b c" 'd e' f\\ g "h\\"i"`), ['a', 'b c', 'd e', 'f g', 'h"i']);
  });
});
