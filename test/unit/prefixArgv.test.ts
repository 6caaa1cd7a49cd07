import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loaderArgs } from '../../server/agents';
import { agentCommand, prefixArgv } from '../../server/transports/prefix';
import { prefixFailure } from '../../server/transports/prefixErrors';
import { AgentStartError, InterpreterNotFoundError } from '../../server/transports/startErrors';
import { remoteAgentCommand, sshArgv } from '../../server/transports/ssh';
import { parseXSpec, XSpecError } from '../../server/gateway/xspec';

const PY = ['python3', ...loaderArgs('python')];

describe('srun= is one task on one stream', () => {
  for (const args of ['-n2', '-n 2', '--ntasks=4', '--ntasks 3', '-N2', '--nodes=2-4', '--ntasks-per-node=2'])
    test(`srun=${args} is refused, saying why and suggesting a Group`, () => {
      assert.throws(
        () => prefixArgv(parseXSpec(`popen//srun=${args}`)),
        (err: unknown) =>
          err instanceof XSpecError &&
          /asks for \d+ tasks .*a gateway is one task on one stream.*use a Group: "\d+\*popen\/\/srun=/.test(err.message),
      );
    });

  test('one task, or options that only look alike, are accepted', () => {
    for (const args of ['-n1', '--ntasks=1', '-N 1', '--nice=5', '--job-name=-n2'])
      assert.equal(prefixArgv(parseXSpec(`popen//srun=${args}`))[0], 'srun', args);
  });
});

describe('prefix transports build the command line users would type', () => {
  test('sudo=user never prompts and ends its options', () => {
    assert.deepEqual(agentCommand(parseXSpec('popen//sudo=nobody')), ['sudo', '-n', '-u', 'nobody', '--', ...PY]);
  });

  test('docker=container keeps stdin open', () => {
    assert.deepEqual(prefixArgv(parseXSpec('popen//docker=build-box')), ['docker', 'exec', '-i', 'build-box']);
  });

  test('kubectl=pod with namespace= and context=', () => {
    assert.deepEqual(prefixArgv(parseXSpec('popen//kubectl=web-0//namespace=prod//context=east')), [
      'kubectl',
      'exec',
      '-i',
      '-n',
      'prod',
      '--context',
      'east',
      'web-0',
      '--',
    ]);
    assert.deepEqual(prefixArgv(parseXSpec('popen//kubectl=web-0')), ['kubectl', 'exec', '-i', 'web-0', '--']);
  });

  test('docker=, podman=container keep stdin open, each with its own command', () => {
    assert.deepEqual(prefixArgv(parseXSpec('popen//podman=build-box')), ['podman', 'exec', '-i', 'build-box']);
  });

  test('srun=ARGS and cmd=PREFIX are split like a shell; srun gets --unbuffered, or the binary stream waits for newlines', () => {
    assert.deepEqual(prefixArgv(parseXSpec("popen//srun=-N1 -n1 --job-name='my job'")), [
      'srun',
      '--unbuffered',
      '-N1',
      '-n1',
      '--job-name=my job',
    ]);
    assert.deepEqual(prefixArgv(parseXSpec('popen//srun=')), ['srun', '--unbuffered']);
    assert.deepEqual(prefixArgv(parseXSpec('popen//srun=-u -p debug')), ['srun', '-u', '-p', 'debug']);
    assert.deepEqual(prefixArgv(parseXSpec('popen//cmd=env FOO=1')), ['env', 'FOO=1']);
  });

  test('prefixes nest in the order written, then chdir, env and nice happen inside them', () => {
    const spec = parseXSpec('popen//docker=box//sudo=app//node=node --max-old-space-size=64//chdir=/srv//env:A=1//nice=5');
    assert.deepEqual(agentCommand(spec), [
      'docker',
      'exec',
      '-i',
      'box',
      'sudo',
      '-n',
      '-u',
      'app',
      '--',
      'sh',
      '-c',
      '{ [ -d "$1" ] || mkdir "$1"; } && cd "$1" && shift && exec "$@"',
      'remote-exec',
      '/srv',
      'env',
      'A=1',
      'nice',
      '-n',
      '5',
      'node',
      '--max-old-space-size=64',
      ...loaderArgs('node'),
    ]);
  });
});

describe('ssh command lines', () => {
  test('BatchMode, connection sharing, port, the user options first so they win', () => {
    const argv = sshArgv(parseXSpec('ssh=alice@build-host:2200//ssh_config=/etc/alt_config'), {
      REMOTE_EXEC_SSH_OPTIONS: "-i '/keys/my key' -o ControlMaster=no",
    });
    assert.deepEqual(argv.slice(0, 5), ['ssh', '-i', '/keys/my key', '-o', 'ControlMaster=no']);
    const joined = argv.join(' ');
    assert.match(joined, /-F \/etc\/alt_config -p 2200 -o BatchMode=yes/);
    assert.match(joined, /-o ControlMaster=auto -o ControlPath=\/tmp\/remote-exec-\d+\/cm-%C -o ControlPersist=60/);
    assert.deepEqual(argv.slice(-3, -1), ['--', 'alice@build-host']);
  });

  test('the remote command: cd, env, nice, the interpreter and its quoted loader', () => {
    const command = remoteAgentCommand(parseXSpec('ssh=h//python=python3.11//chdir=~/my work//env:GREETING=hi there//nice=2'));
    assert.ok(
      command.startsWith(
        `{ [ -d ~/'my work' ] || mkdir ~/'my work'; } && cd ~/'my work' && env 'GREETING=hi there' nice -n 2 python3.11 -c 'import sys;`,
      ),
      command,
    );
  });

  test('prefixes over ssh run remotely, quoted for the remote shell', () => {
    assert.equal(
      remoteAgentCommand(parseXSpec('ssh=h//sudo=www-data//python=/usr/bin/python3')).split(' -c ')[0],
      'sudo -n -u www-data -- /usr/bin/python3',
    );
  });
});

describe("srun's own words", () => {
  test('a job Slurm queued but never started is told with its reason', () => {
    const spec = parseXSpec('popen//srun=--cpus-per-task=64');
    const err = prefixFailure(spec, agentCommand(spec), {
      code: null,
      stderrTail: 'srun: Requested partition configuration not available now\nsrun: job 2 queued and waiting for resources\n',
    });
    assert.ok(err instanceof AgentStartError);
    assert.match(err.message, /Slurm queued the job but had not started it .*\(Requested partition configuration not available now\)/);
  });
});

describe('prefixes over ssh name what the remote host lacks', () => {
  for (const [shell, stderr] of [
    ['bash', 'bash: line 1: srun: command not found'],
    ['dash', 'sh: 1: srun: not found'],
  ])
    test(`a remote host without srun (${shell}) is told as such, not as a missing interpreter`, () => {
      const spec = parseXSpec('ssh=login-node//srun=-p debug');
      const err = prefixFailure(spec, agentCommand(spec), { code: 127, stderrTail: stderr }, 'login-node');
      assert.ok(err instanceof AgentStartError && !(err instanceof InterpreterNotFoundError));
      assert.match(err.message, /srun is not installed on login-node/);
    });
});
