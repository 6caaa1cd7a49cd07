import type { ObjectStep } from '../../protocol';

/**
 * Source the checks run through EXEC, and object requests they make, written once per agent language
 * (HELLO's `language`). A check whose snippet is missing for a language is skipped with that reason.
 * Every snippet sees `channel` bound as in PROTOCOL.md §6.2.
 */
export interface Snippets {
  /** Sends back every item received, until the channel ends. */
  echo: string;
  /** As `echo`, then sends the string 'after-end' once the host's items have ended. */
  echoThenMarker: string;
  /** Sends the task's module name (`__channelexec__`). */
  sendName: string;
  /** Raises an error of type `raisedType` with the message 'conformance-boom'. */
  raise: string;
  raisedType: RegExp;
  /** Closes the channel with the error text 'conformance-closed'. */
  closeWithError: string;
  /** Sends 0, 1, 2, 3, 4 and ends. */
  sendFive: string;
  /** Prints 'conformance-stdout' through the language's own stdout, then sends 'done'. */
  print: string;
  /** Writes 'conformance-stderr' to the language's own stderr, then sends 'done'. */
  printStderr: string;
  /** A child process writes 'conformance-child' to its stdout (the agent's fd 1), then sends 'done'. */
  childOutput: string;
  /** Writes 'conformance-fd1' straight to file descriptor 1, then sends 'done'. */
  writeFd1: string;
  /** Reads standard input to its end and sends the number of bytes read. */
  readStdin: string;
  /** Sends 'ready', then blocks until interrupted. */
  block: string;
  /** Opens a channel from the agent side, sends it, sends 'from-agent-channel' on it and closes it. */
  newChannel: string;
  /** Receives a channel, sends 'hello-on-host-channel' on it, then sends back what it receives on it. */
  useChannelFromMessage: string;
  /** Receives a channel, receives on it, and sends back 'TypeName: message' of what that raised. */
  receiveCloseError: string;
  /** Tries to send a value with no encoding; sends 'refused: <error text>'. */
  sendUnencodable: string;
  unencodableType: RegExp;
  /** Tries to send `n` bytes in one item; sends 'refused: <error text>' when that fails. */
  sendBytes(n: number): string;
  /** Sends a new channel, one item on it, then drops it without closing it (LAST_MESSAGE). */
  dropChannel?: string;
  /** Logs 'conformance-log' at WARNING level through the language's logging. */
  log?: string;
  /** Rich display and input (§5, version 2), each run as session code (§8); without them those checks are skipped. */
  rich?: {
    /** Sends 'before', displays DISPLAY_BUNDLE as a MIME bundle, sends 'after'. */
    display: string;
    /** A last expression whose rich form has text/html '<i>conformance-rich</i>'. */
    richResult: string;
    /** Reads a line with the prompt 'conformance-prompt> ' the language's usual way and sends it. */
    readLine: string;
    /** Reads a password with the prompt 'conformance-secret: ' and sends it. */
    readPassword: string;
    /** Reads a line; sends 'eof' when that raised the language's end-of-file error, else 'no eof'. */
    readLineOrEof: string;
  };

  /** Object requests (§7) against the agent's namespace root. */
  objects: {
    /** A module to import, one of its attributes, and that attribute's value. */
    module: string;
    attr: string;
    attrValue: unknown;
    /** A call of a builtin with `callArgs`, and its result. */
    call: ObjectStep[];
    callResult: unknown;
    /** A pipelined chain from the root: import, two getattrs and a call, and its result. */
    chain: ObjectStep[];
    chainResult: unknown;
    /** Steps from the root making a new object that takes attribute writes. */
    attrTarget: ObjectStep[];
    /** Steps from the root making a new object that takes item writes. */
    itemTarget: ObjectStep[];
    /** Steps from the root making a sequence of 0..9, asked for as a reference. */
    sequence: ObjectStep[];
    /** The language's string form of that sequence (the `str` step). */
    sequenceStr: string;
    /** Session source (§8) that binds `name` to the int 42 in the session namespace. */
    sessionDefine: { source: string; name: string };
    /** A source of three top-level statements, a line inside the second, and that statement's lines (`statement_at`). */
    statementAt: { source: string; line: number; range: [number, number] };
    /** Steps from the root that call `fn` (a host function) with the values [3, 1, 2] or one of them; and the result when fn(x) = -x. */
    callback(fn: (x: number) => number): ObjectStep[];
    callbackResult: unknown;
  };

  /**
   * Variables (§7.6, §7.7): session source (§8) that defines `conformance_float`, `conformance_list` (the
   * ints 0..249), a function `conformance_fn`, a module `conformance_module`, `_conformance_private`,
   * `conformance_box` (an instance of the class `ConformanceBox` with the attribute `label` = 'box', a
   * method `shout` and a property `loud` that counts its reads in `ConformanceBox.reads`) and
   * `conformance_rows`, 30 records `{id: i, name: 'r' + i % 3}`.
   */
  variables: {
    source: string;
    /** The row of conformance_float: its type and the language's own repr. */
    float: { type: string; repr: string };
    /** The type name of conformance_list. */
    listType: string;
  };
}

const range10 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/** What the `rich.display` snippets show: text, HTML and a PNG's bytes (a signature and a marker). */
export const DISPLAY_BUNDLE = {
  'text/plain': 'conformance-display',
  'text/html': '<b>conformance</b>',
  'image/png': Buffer.from('\x89PNG\r\n\x1a\nconformance', 'latin1'),
};

const python: Snippets = {
  echo: 'for item in channel:\n    channel.send(item)\n',
  echoThenMarker: "for item in channel:\n    channel.send(item)\nchannel.send('after-end')\n",
  sendName: 'channel.send(__name__)\n',
  raise: "def conformance_failing():\n    raise ValueError('conformance-boom')\nconformance_failing()\n",
  raisedType: /^(builtins\.)?ValueError$/,
  closeWithError: "channel.close('conformance-closed')\n",
  sendFive: 'for i in range(5):\n    channel.send(i)\n',
  print: "print('conformance-stdout')\nchannel.send('done')\n",
  printStderr: "import sys\nsys.stderr.write('conformance-stderr\\n')\nsys.stderr.flush()\nchannel.send('done')\n",
  childOutput: "import subprocess\nsubprocess.run(['sh', '-c', 'echo conformance-child'])\nchannel.send('done')\n",
  writeFd1: "import os\nos.write(1, b'conformance-fd1\\n')\nchannel.send('done')\n",
  readStdin: 'import os\nchannel.send(len(os.read(0, 65536)))\n',
  block: "import time\nchannel.send('ready')\nwhile True:\n    time.sleep(0.01)\n",
  newChannel: "c = channel.gateway.newchannel()\nchannel.send(c)\nc.send('from-agent-channel')\nc.close()\n",
  useChannelFromMessage: "c = channel.receive()\nc.send('hello-on-host-channel')\nchannel.send(c.receive())\n",
  receiveCloseError:
    "c = channel.receive()\ntry:\n    c.receive()\n    channel.send('no error raised')\nexcept Exception as e:\n    channel.send(type(e).__name__ + ': ' + str(e))\n",
  sendUnencodable:
    "import threading\ntry:\n    channel.send(threading.Lock())\nexcept Exception as e:\n    channel.send('refused: ' + str(e))\n",
  unencodableType: /lock/,
  sendBytes: (n) => `try:\n    channel.send(b'x' * ${n})\nexcept Exception as e:\n    channel.send('refused: ' + str(e))\n`,
  dropChannel:
    'def conformance_drop():\n    c = channel.gateway.newchannel()\n    channel.send(c)\n    c.send(1)\nconformance_drop()\nimport gc\ngc.collect()\nchannel.receive()\n',
  log: "import logging\nlogging.getLogger('conformance').warning('conformance-log')\nchannel.send('done')\n",
  rich: {
    display:
      "channel.send('before')\ndisplay({'text/plain': 'conformance-display', 'text/html': '<b>conformance</b>',\n         'image/png': b'\\x89PNG\\r\\n\\x1a\\nconformance'}, raw=True)\nchannel.send('after')\n",
    richResult: "class ConformanceRich:\n    def _repr_html_(self):\n        return '<i>conformance-rich</i>'\nConformanceRich()\n",
    readLine: "channel.send(input('conformance-prompt> '))\n",
    readPassword: "import getpass\nchannel.send(getpass.getpass('conformance-secret: '))\n",
    readLineOrEof: "try:\n    input('conformance-prompt> ')\n    channel.send('no eof')\nexcept EOFError:\n    channel.send('eof')\n",
  },
  objects: {
    module: 'os',
    attr: 'sep',
    attrValue: '/',
    call: [
      ['getattr', 'sorted'],
      ['call', [[3, 1, 2]], { reverse: true }],
    ],
    callResult: [3, 2, 1],
    chain: [
      ['import', 'os'],
      ['getattr', 'path'],
      ['getattr', 'join'],
      ['call', ['a', 'b'], {}],
    ],
    chainResult: 'a/b',
    attrTarget: [
      ['import', 'types'],
      ['getattr', 'SimpleNamespace'],
      ['call', [], {}],
    ],
    itemTarget: [
      ['getattr', 'dict'],
      ['call', [], {}],
    ],
    sequence: [
      ['getattr', 'list'],
      ['call', [range10], {}],
    ],
    sequenceStr: '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]',
    sessionDefine: { source: 'conformance_namespace = 6 * 7\n', name: 'conformance_namespace' },
    statementAt: {
      source: 'import os\n\n@staticmethod\ndef conformance_statement():\n    return os.sep\n\nvalue = 1\n',
      line: 5,
      range: [3, 5],
    },
    callback: (fn) => [
      ['getattr', 'sorted'],
      ['call', [[3, 1, 2]], { key: fn }],
    ],
    callbackResult: [3, 2, 1],
  },
  variables: {
    source: [
      'conformance_float = 19.0',
      'conformance_list = list(range(250))',
      'def conformance_fn():',
      '    return 1',
      'import os as conformance_module',
      '_conformance_private = 1',
      'class ConformanceBox:',
      '    reads = 0',
      '    def __init__(self):',
      "        self.label = 'box'",
      '    def shout(self):',
      '        return self.label.upper()',
      '    @property',
      '    def loud(self):',
      '        ConformanceBox.reads += 1',
      "        return 'LOUD'",
      'conformance_box = ConformanceBox()',
      "conformance_rows = [{'id': i, 'name': 'r%d' % (i % 3)} for i in range(30)]",
      '',
    ].join('\n'),
    float: { type: 'float', repr: '19.0' },
    listType: 'list',
  },
};

// The Node agent runs each EXEC source as the body of an async function with `channel` in scope.
const node: Snippets = {
  echo: 'for await (const item of channel) channel.send(item);\n',
  echoThenMarker: "for await (const item of channel) channel.send(item);\nchannel.send('after-end');\n",
  sendName: 'channel.send(__name__);\n',
  raise: "function conformanceFailing() { throw new TypeError('conformance-boom'); }\nconformanceFailing();\n",
  raisedType: /^TypeError$/,
  closeWithError: "channel.close('conformance-closed');\n",
  sendFive: 'for (let i = 0; i < 5; i++) channel.send(i);\n',
  print: "console.log('conformance-stdout');\nchannel.send('done');\n",
  printStderr: "console.error('conformance-stderr');\nchannel.send('done');\n",
  childOutput: "require('child_process').execSync('echo conformance-child', { stdio: 'inherit' });\nchannel.send('done');\n",
  writeFd1: "require('fs').writeSync(1, 'conformance-fd1\\n');\nchannel.send('done');\n",
  readStdin: "channel.send(require('fs').readFileSync(0).length);\n",
  block: "channel.send('ready');\nawait new Promise(() => setInterval(() => {}, 1000));\n",
  newChannel: "const c = gateway.newChannel();\nchannel.send(c);\nc.send('from-agent-channel');\nc.close();\n",
  useChannelFromMessage: "const c = await channel.receive();\nc.send('hello-on-host-channel');\nchannel.send(await c.receive());\n",
  receiveCloseError:
    "const c = await channel.receive();\ntry {\n  await c.receive();\n  channel.send('no error raised');\n} catch (e) {\n  channel.send(`${e.name}: ${e.message}`);\n}\n",
  sendUnencodable: "try {\n  channel.send(new Date(0));\n} catch (e) {\n  channel.send('refused: ' + e.message);\n}\n",
  unencodableType: /Date/,
  log: "gateway.log('conformance-log', 30, 'conformance');\nchannel.send('done');\n",
  rich: {
    display:
      "channel.send('before');\ndisplay({ 'text/plain': 'conformance-display', 'text/html': '<b>conformance</b>', 'image/png': Buffer.from('\\x89PNG\\r\\n\\x1a\\nconformance', 'latin1') });\nchannel.send('after');\nundefined;\n",
    richResult: "({ _repr_html_() { return '<i>conformance-rich</i>'; } });\n",
    readLine: "channel.send(await input('conformance-prompt> '));\nundefined;\n",
    readPassword: "channel.send(await input('conformance-secret: ', { password: true }));\nundefined;\n",
    readLineOrEof:
      "try {\n  await input('conformance-prompt> ');\n  channel.send('no eof');\n} catch (e) {\n  channel.send(e.name === 'EOFError' ? 'eof' : 'other: ' + e.name);\n}\nundefined;\n",
  },
  sendBytes: (n) => `try {\n  channel.send(Buffer.alloc(${n}, 120));\n} catch (e) {\n  channel.send('refused: ' + e.message);\n}\n`,
  objects: {
    module: 'path',
    attr: 'sep',
    attrValue: '/',
    call: [
      ['getattr', 'Math'],
      ['getattr', 'max'],
      ['call', [3, 1, 2], {}],
    ],
    callResult: 3,
    chain: [
      ['import', 'path'],
      ['getattr', 'posix'],
      ['getattr', 'join'],
      ['call', ['a', 'b'], {}],
    ],
    chainResult: 'a/b',
    attrTarget: [
      ['getattr', 'Object'],
      ['call', [], {}],
    ],
    itemTarget: [
      ['getattr', 'Object'],
      ['call', [], {}],
    ],
    sequence: [
      ['getattr', 'Array'],
      ['call', range10, {}],
    ],
    sequenceStr: '0,1,2,3,4,5,6,7,8,9',
    sessionDefine: { source: 'var conformanceNamespace = 6 * 7;\n', name: 'conformanceNamespace' },
    statementAt: {
      source: "const path = require('path');\n\nfunction conformanceStatement() {\n  return path.sep;\n}\n\nlet value = 1;\n",
      line: 4,
      range: [3, 5],
    },
    callback: (fn) => [
      ['getattr', 'Reflect'],
      ['getattr', 'apply'],
      ['call', [fn, null, [3]], {}],
    ],
    callbackResult: -3,
  },
  variables: {
    source: [
      'var conformance_float = 19.5;',
      'var conformance_list = Array.from({ length: 250 }, (_, i) => i);',
      'function conformance_fn() {',
      '  return 1;',
      '}',
      "var conformance_module = require('os');",
      'var _conformance_private = 1;',
      'class ConformanceBox {',
      '  constructor() {',
      "    this.label = 'box';",
      '  }',
      '  shout() {',
      '    return this.label.toUpperCase();',
      '  }',
      '  get loud() {',
      '    ConformanceBox.reads++;',
      "    return 'LOUD';",
      '  }',
      '}',
      'ConformanceBox.reads = 0;',
      'var conformance_box = new ConformanceBox();',
      "var conformance_rows = Array.from({ length: 30 }, (_, i) => ({ id: i, name: 'r' + (i % 3) }));",
      '',
    ].join('\n'),
    float: { type: 'number', repr: '19.5' },
    listType: 'Array',
  },
};

export const SNIPPETS: Record<string, Snippets> = { python, node };
