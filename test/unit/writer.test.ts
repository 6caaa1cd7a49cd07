import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MessageType } from '../../protocol';
import { openGateway } from '../helpers/fakeAgent';

// Large str payloads skip the msgpack encoder's buffer (protocol/writer.ts): encoded to UTF-8 once, an
// ASCII one copied as it is. What the agent decodes must be the very string sent, whatever it holds.
describe('large str payloads', () => {
  const cases: [string, string][] = [
    ['ASCII', 'x'.repeat(512 * 1024)],
    ['two-, three- and four-byte characters', 'é✓😀'.repeat(100_000)],
    ['ASCII with one non-ASCII character at the end', 'a'.repeat(70_000) + 'ß'],
  ];
  for (const [name, value] of cases)
    test(`${name}: arrives as sent`, async () => {
      const { agent, gw } = await openGateway();
      const ch = gw.newChannel();
      await ch.send(value);
      const [, id, payload] = await agent.take(MessageType.DATA);
      assert.equal(id, ch.id);
      assert.equal(typeof payload, 'string');
      assert.ok(payload === value, `a string of ${(payload as string).length} characters, not the ${value.length} sent`);
    });
});
