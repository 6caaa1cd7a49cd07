// LOADER: node -e '{const f=require("fs"),r=(b,o,n)=>{for(;;)try{return f.readSync(0,b,o,n)}catch(e){if(e.code!=="EAGAIN")throw e;Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,2)}};let h="",c=Buffer.alloc(1);while(r(c,0,1)&&c[0]!==10)h+=String.fromCharCode(c[0]);const n=+h,s=Buffer.allocUnsafe(n);for(let o=0,k;o<n;o+=k)if(!(k=r(s,o,n-o)))process.exit(3);require("vm").runInThisContext(require("module").wrap(s.toString()),{filename:"remote-exec-agent"})(exports,require,module,__filename,__dirname)}'
/*
 * Remote Exec agent for Node.js (>= 18): one CommonJS file, no dependencies. Speaks protocol/PROTOCOL.md,
 * versions 1 and 2. It ships as one file, assembled from the modules of server/agents/node/ in the order of
 * their names; this first one holds the protocol's table.
 *
 * Bootstrap: the host runs the LOADER above (one line, no single quotes, so it can be passed through a
 * shell between single quotes; a block, so its names are not global bindings a session could not
 * declare) and writes "<decimal length>\n<source>" on stdin. The loader reads exactly
 * that many bytes synchronously from fd 0 and runs this file as a CommonJS module body.
 */
'use strict';

// The messages (PROTOCOL.md sec. 3), one line each: code, name, who sends it, and the function that
// handles it when it arrives here (null: only agents send it; it is answered like an unknown type).
const MESSAGES = [
  [0, 'HELLO', 'both', onSecondHello],
  [1, 'EXEC', 'host->agent', startExec],
  [2, 'DATA', 'both', onData],
  [3, 'CLOSE', 'both', onClose],
  [4, 'CLOSE_ERROR', 'both', onCloseError],
  [5, 'LAST_MESSAGE', 'both', onLastMessage],
  [6, 'STATUS', 'host->agent', onStatus],
  [7, 'TERMINATE', 'host->agent', onTerminate],
  [8, 'INTERRUPT', 'host->agent', onInterrupt],
  [9, 'STDOUT', 'agent->host', null],
  [10, 'STDERR', 'agent->host', null],
  [11, 'LOG', 'agent->host', null],
  [12, 'ERROR', 'both', onError],
  [13, 'CREDIT', 'both', onCredit],
  [14, 'DISPLAY', 'agent->host', null],
  [20, 'OBJECT', 'both', handleObject],
  [21, 'REPLY', 'both', onReply],
  [22, 'REPLY_ERROR', 'both', onReplyError],
  [23, 'RELEASE', 'host->agent', onRelease],
  [24, 'CALLBACK', 'agent->host', null],
  [25, 'INPUT', 'agent->host', null],
];
// The codes by name, in the table's order (a unit test checks the order against the table). Every code
// is named, also those this agent only receives (their handlers are in the table).
/* eslint-disable @typescript-eslint/no-unused-vars */
// prettier-ignore
const [HELLO, EXEC, DATA, CLOSE, CLOSE_ERROR, LAST_MESSAGE, STATUS, TERMINATE, INTERRUPT, STDOUT, STDERR, LOG,
  ERROR, CREDIT, DISPLAY, OBJECT, REPLY, REPLY_ERROR, RELEASE, CALLBACK, INPUT] = MESSAGES.map((m) => m[0]);
/* eslint-enable @typescript-eslint/no-unused-vars */
/** The handler of each code, indexed by code: dispatching a message is one array read. */
const HANDLERS = [];
for (const [code, , , handler] of MESSAGES) HANDLERS[code] = handler;

const fs = require('fs');
const vm = require('vm');
const os = require('os');
const net = require('net');
const path = require('path');
const util = require('util');
const stream = require('stream');
const { isAscii } = require('buffer');
const NodeModule = require('module');
const { AsyncLocalStorage, AsyncResource } = require('async_hooks');

// The highest protocol version this agent speaks; it speaks every version from 1 up (sec. 4).
const PROTOCOL = 2;
const DEFAULT_MAX_FRAME = 256 * 1024 * 1024;
// The agent's variables (sec. 1), read and removed before user code runs.
const MAX_FRAME = Number(process.env.REMOTE_EXEC_MAXFRAME) > 0 ? Number(process.env.REMOTE_EXEC_MAXFRAME) : DEFAULT_MAX_FRAME;
const DEBUG = process.env.REMOTE_EXEC_DEBUG || '';
for (const name of ['REMOTE_EXEC_MAXFRAME', 'REMOTE_EXEC_DEBUG', 'REMOTE_EXEC_EXECMODEL']) delete process.env[name];
const CAPABILITIES = ['exec', 'objects', 'callbacks', 'interrupt', 'logs', 'session'];
const IN_FD = 0;
const OUT_FD = 1;
const startedAt = process.hrtime();
