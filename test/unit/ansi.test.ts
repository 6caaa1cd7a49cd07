import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ansiClasses, parseAnsi, stripAnsi } from '../../webview-ui/shared/ansi';

const rendered = (text: string) => parseAnsi(text).segments.map((s) => [s.text, ansiClasses(s.style).join(' ')]);

describe('ANSI colours', () => {
  test('SGR colours and bold become classes, reset ends them', () => {
    assert.deepEqual(rendered('plain \x1b[31mred\x1b[0m \x1b[1;92mbold bright green\x1b[m end'), [
      ['plain ', ''],
      ['red', 'ansi-fg-1'],
      [' ', ''],
      ['bold bright green', 'ansi-fg-10 ansi-bold'],
      [' end', ''],
    ]);
  });

  test('background, 256-colour and attribute resets are understood', () => {
    assert.deepEqual(rendered('\x1b[44;33mx\x1b[39my\x1b[49;4mz\x1b[24mw'), [
      ['x', 'ansi-fg-3 ansi-bg-4'],
      ['y', 'ansi-bg-4'],
      ['z', 'ansi-underline'],
      ['w', ''],
    ]);
    assert.deepEqual(rendered('\x1b[38;5;9ma\x1b[38;5;200mb\x1b[38;2;1;2;3mc'), [
      ['a', 'ansi-fg-9'],
      ['bc', ''],
    ]);
  });

  test('other escape sequences are removed, not shown', () => {
    assert.deepEqual(rendered('\x1b[2K\x1b[1Gprogress\x1b]0;title\x07 done'), [['progress done', '']]);
    assert.equal(stripAnsi('\x1b[1m\x1b[31mError\x1b[0m: bad'), 'Error: bad');
  });

  test('a style carries over to the next line when asked', () => {
    const first = parseAnsi('\x1b[32mgreen starts');
    const second = parseAnsi('still green', first.end);
    assert.deepEqual(ansiClasses(second.segments[0].style), ['ansi-fg-2']);
  });
});
