import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { MESSAGES, MessageType, MIN_PROTOCOL_VERSION, OBJECT_STEPS, PROTOCOL_VERSION, type Direction } from '../../protocol/messages';
import { agentSource } from '../../server/agents';

// protocol/messages.ts holds the protocol's tables once; every other copy is checked against it here:
// the MessageType enum, PROTOCOL.md §3 and §7.1, and the tables at the top of both agents.

type Row = { code: number; name: string; direction: string };

const expectedMessages: Row[] = MESSAGES.map(({ code, name, direction }) => ({ code, name, direction }));
const expectedSteps = OBJECT_STEPS.map((s) => s.name);

/** The lines of `source` from the one starting with `opening` to the one starting with `closing`, exclusive. */
function block(source: string, opening: string, closing: string, where: string): string[] {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => l.startsWith(opening));
  assert.ok(start >= 0, `${where}: no line starting with ${JSON.stringify(opening)}`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith(closing));
  assert.ok(end > start, `${where}: no ${JSON.stringify(closing)} after ${JSON.stringify(opening)}`);
  return lines.slice(start + 1, end);
}

/** Every line of a table block is a row (or a comment): a row in another shape fails instead of going unread. */
function rows(lines: string[], row: RegExp, where: string): RegExpExecArray[] {
  return lines
    .filter((l) => !/^\s*(#|\/\/|$)/.test(l))
    .map((l) => {
      const m = row.exec(l);
      assert.ok(m, `${where}: not a row of the table: ${JSON.stringify(l)}`);
      return m;
    });
}

/** The names bound by position to the table's codes: `(A, B, ...) = ...` or `const [A, B, ...] = ...`. */
function boundNames(source: string, pattern: RegExp, where: string): string[] {
  const m = pattern.exec(source);
  assert.ok(m, `${where}: no statement naming the codes`);
  return m[1].split(',').map((n) => n.trim());
}

function markdownSection(heading: string, next: string): string {
  const doc = fs.readFileSync(path.join(__dirname, '../../protocol/PROTOCOL.md'), 'utf8');
  const start = doc.indexOf(`\n${heading}`);
  assert.ok(start >= 0, `PROTOCOL.md has no section ${heading}`);
  const end = doc.indexOf(`\n${next}`, start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

describe('the protocol table', () => {
  test('the MessageType enum has one member per message, with its code', () => {
    // A member missing here, or one too many, fails the type-check of this file (satisfies).
    const members = {
      HELLO: MessageType.HELLO,
      EXEC: MessageType.EXEC,
      DATA: MessageType.DATA,
      CLOSE: MessageType.CLOSE,
      CLOSE_ERROR: MessageType.CLOSE_ERROR,
      LAST_MESSAGE: MessageType.LAST_MESSAGE,
      STATUS: MessageType.STATUS,
      TERMINATE: MessageType.TERMINATE,
      INTERRUPT: MessageType.INTERRUPT,
      STDOUT: MessageType.STDOUT,
      STDERR: MessageType.STDERR,
      LOG: MessageType.LOG,
      ERROR: MessageType.ERROR,
      CREDIT: MessageType.CREDIT,
      DISPLAY: MessageType.DISPLAY,
      OBJECT: MessageType.OBJECT,
      REPLY: MessageType.REPLY,
      REPLY_ERROR: MessageType.REPLY_ERROR,
      RELEASE: MessageType.RELEASE,
      CALLBACK: MessageType.CALLBACK,
      INPUT: MessageType.INPUT,
    } satisfies Record<keyof typeof MessageType, MessageType>;
    assert.deepEqual(
      Object.entries(members).map(([name, code]) => ({ code, name })),
      MESSAGES.map(({ code, name }) => ({ code, name })),
    );
  });

  test('PROTOCOL.md §3 lists the same messages: codes, names, directions and the version of each', () => {
    const section = markdownSection('## 3. Messages', '## 4.');
    const documented = Array.from(section.matchAll(/^\| *(\d+) \| ([A-Z_]+) \| ([^|]+?) \| (\d+) \|/gm), (m) => ({
      code: Number(m[1]),
      name: m[2],
      direction: m[3].replace(/\s*→\s*/, '->'),
      since: Number(m[4]),
    }));
    assert.deepEqual(
      documented,
      MESSAGES.map(({ code, name, direction, since }) => ({ code, name, direction, since })),
    );
  });

  test('every message is of a version this host speaks, and PROTOCOL.md is titled with the newest', () => {
    assert.ok(MESSAGES.every((m) => m.since >= MIN_PROTOCOL_VERSION && m.since <= PROTOCOL_VERSION));
    assert.equal(Math.max(...MESSAGES.map((m) => m.since)), PROTOCOL_VERSION);
    const title = fs.readFileSync(path.join(__dirname, '../../protocol/PROTOCOL.md'), 'utf8').split('\n', 1)[0];
    assert.equal(title, `# The Remote Exec wire protocol, version ${PROTOCOL_VERSION}`);
  });

  test('PROTOCOL.md §7.1 lists the same OBJECT steps, with the same arguments', () => {
    const section = markdownSection('### 7.1', '### 7.2');
    const documented = Array.from(section.matchAll(/`\["(\w+)"((?:, [^\]`]+)?)\]`/g), (m) => ({
      name: m[1],
      args: m[2]
        .split(',')
        .slice(1)
        .map((a) => a.replace(/:.*/, '').trim()),
    }));
    assert.deepEqual(
      documented,
      OBJECT_STEPS.map(({ name, args }) => ({ name, args: [...args] })),
    );
  });

  describe('the Python agent', () => {
    const source = agentSource('python');

    test('its message table has the same codes, names and directions, a handler for each it receives', () => {
      const table = rows(
        block(source, 'MESSAGES = (', ')', 'Python MESSAGES'),
        /^ {4}\((\d+), '(\w+)', '([a-z>-]+)', '(\w+)'\),$/,
        'Python MESSAGES',
      );
      assert.deepEqual(
        table.map((m) => ({ code: Number(m[1]), name: m[2], direction: m[3] })),
        expectedMessages,
      );
      for (const m of table) {
        const onlyAgentsSend = (m[3] as Direction) === 'agent->host';
        assert.equal(m[4] === '_h_wrong_direction', onlyAgentsSend, `${m[2]} is handled by ${m[4]}`);
      }
      const names = boundNames(source, /^\(([A-Z_,\s]+)\) = \(code for code/m, 'Python agent');
      assert.deepEqual(
        names,
        expectedMessages.map((m) => m.name),
      );
    });

    test('its step table has the same OBJECT steps, in order', () => {
      const table = rows(block(source, 'STEPS = (', ')', 'Python STEPS'), /^ {4}\('(\w+)', ('\w+'|None), ('\w+'|None)\),$/, 'Python STEPS');
      assert.deepEqual(
        table.map((m) => m[1]),
        expectedSteps,
      );
    });
  });

  describe('the Node agent', () => {
    const source = agentSource('node');

    test('its message table has the same codes, names and directions, a handler for each it receives', () => {
      const table = rows(
        block(source, 'const MESSAGES = [', '];', 'Node MESSAGES'),
        /^ {2}\[(\d+), '(\w+)', '([a-z>-]+)', (\w+)\],$/,
        'Node MESSAGES',
      );
      assert.deepEqual(
        table.map((m) => ({ code: Number(m[1]), name: m[2], direction: m[3] })),
        expectedMessages,
      );
      for (const m of table) {
        const onlyAgentsSend = (m[3] as Direction) === 'agent->host';
        assert.equal(m[4] === 'null', onlyAgentsSend, `${m[2]} is handled by ${m[4]}`);
      }
      const names = boundNames(source, /^const \[([A-Z_,\s]+)\] = MESSAGES\.map/m, 'Node agent');
      assert.deepEqual(
        names,
        expectedMessages.map((m) => m.name),
      );
    });

    test('its step table has the same OBJECT steps, in order', () => {
      const table = rows(block(source, 'const STEPS = [', '];', 'Node STEPS'), /^ {2}\['(\w+)', (\w+), (\w+)\],$/, 'Node STEPS');
      assert.deepEqual(
        table.map((m) => m[1]),
        expectedSteps,
      );
    });
  });
});
