import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AgentStartError,
  AuthenticationError,
  HostKeyError,
  HostUnreachableError,
  InterpreterNotFoundError,
  classifyStartFailure,
} from '../../server/transports/startErrors';

const classify = (code: number | null, stderrTail: string, ssh = true) => classifyStartFailure({ code, stderrTail }, 'ssh=h', { ssh });

describe('ssh start failures are named precisely', () => {
  test("ssh's own failures (exit 255) are read from its messages", () => {
    const cases: [string, abstract new (...args: never[]) => Error][] = [
      ['ssh: connect to host 127.0.0.1 port 1: Connection refused', HostUnreachableError],
      ['ssh: connect to host 10.1.2.3 port 22: Connection timed out', HostUnreachableError],
      ['ssh: Could not resolve hostname nope.invalid: Name or service not known', HostUnreachableError],
      ['alice@h: Permission denied (publickey,password).', AuthenticationError],
      ['Host key verification failed.', HostKeyError],
      ['@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.', HostKeyError],
      ['something nobody foresaw', AgentStartError],
    ];
    for (const [stderr, kind] of cases) {
      const err = classify(255, stderr);
      assert.ok(err instanceof kind, `${stderr} → ${err.name}`);
      assert.equal(err.exitCode, 255);
      assert.equal(err.stderrTail, stderr);
      assert.ok(err.message.includes(stderr.split('\n').pop()!), "the message carries ssh's own words");
    }
  });

  test('nothing listening, an unknown host name and a silent host say different things', () => {
    assert.match(classify(255, 'ssh: connect to host 127.0.0.1 port 1: Connection refused').message, /nothing listens on its ssh port/);
    assert.match(
      classify(255, 'ssh: Could not resolve hostname nope.invalid: Name or service not known').message,
      /host name does not resolve/,
    );
    assert.match(classify(255, 'ssh: connect to host 10.1.2.3 port 22: Connection timed out').message, /the host is unreachable/);
  });

  test('a changed key and an unknown key say different things', () => {
    assert.match(
      classify(255, 'REMOTE HOST IDENTIFICATION HAS CHANGED!\nHost key verification failed.').message,
      /differs from the one on record/,
    );
    assert.match(classify(255, 'Host key verification failed.').message, /not known/);
  });

  test("the remote command's exit: 127 is a missing interpreter, anything else a failed agent", () => {
    const missing = classify(127, 'bash: line 1: python3: command not found');
    assert.ok(missing instanceof InterpreterNotFoundError);
    assert.equal(missing.exitCode, 127);
    const crashed = classify(1, 'SyntaxError: invalid syntax');
    assert.ok(crashed instanceof AgentStartError);
    assert.match(crashed.message, /exit 1/);
  });

  test('exit 255 from a local prefix command is not taken for ssh', () => {
    assert.ok(classify(255, 'Permission denied', false) instanceof AgentStartError);
  });
});
