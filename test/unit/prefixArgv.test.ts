import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loaderArgs } from '../../server/agents';
import { agentCommand, prefixArgv } from '../../server/transports/prefix';
import { remoteAgentCommand, sshArgv } from '../../server/transports/ssh';
import { parseXSpec } from '../../server/gateway/xspec';

const PY = ['python3', ...loaderArgs('python')];

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

  test('srun=ARGS and cmd=PREFIX are split like a shell', () => {
    assert.deepEqual(prefixArgv(parseXSpec("popen//srun=-N1 -n1 --job-name='my job'")), ['srun', '-N1', '-n1', '--job-name=my job']);
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
