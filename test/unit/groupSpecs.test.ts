import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expandGroupSpecs, Group } from '../../server/multi/group';
import { XSpecError } from '../../server/gateway/xspec';

describe('group specs', () => {
  test('N*spec stands for N copies of the spec', () => {
    const specs = expandGroupSpecs(['4*popen', 'popen//python=/usr/bin/python3', '2 * popen//node=node']);
    assert.deepEqual(
      specs.map((s) => [s.transport, s.interpreter, s.argv.join(' ')]),
      [
        ['popen', 'python', 'python3'],
        ['popen', 'python', 'python3'],
        ['popen', 'python', 'python3'],
        ['popen', 'python', 'python3'],
        ['popen', 'python', '/usr/bin/python3'],
        ['popen', 'node', 'node'],
        ['popen', 'node', 'node'],
      ],
    );
  });

  test('a single string is one spec', () => {
    assert.equal(expandGroupSpecs('3*ssh=alice@build-host').length, 3);
    assert.equal(expandGroupSpecs('socket=127.0.0.1:8888').length, 1);
  });

  test('bad specs are refused before anything starts', () => {
    assert.throws(() => expandGroupSpecs(['0*popen']), /N >= 1/);
    assert.throws(() => expandGroupSpecs(['2*popen//id=same']), /same id=same/);
    assert.throws(() => expandGroupSpecs(['3*popen//pyhton=x']), XSpecError);
    assert.throws(() => new Group(['popen//bogus=1']), /unknown key "bogus"/);
  });

  test('via= must name a member of the group', () => {
    assert.throws(() => new Group(['popen//via=gw7']), /via=gw7 .* names no gateway of this group/);
  });

  test('makeGateway reports a bad spec as a rejection and the group stays empty', async () => {
    const group = new Group([]);
    await assert.rejects(group.makeGateway('popen//id=a//bogus=1'), XSpecError);
    assert.equal(group.length, 0);
    await group.ready();
  });
});
