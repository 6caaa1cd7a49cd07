import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { StreamMessageReader, type Message } from 'vscode-jsonrpc/node';
import { peakRss } from './processes';

const root = path.resolve(__dirname, '../..');

export type Answer = { id: number | string | null; result?: unknown; error?: { code: number; message: string } };

/** `remote-exec server --stdio` from the sources, fed raw bytes; its answers are read with an LSP reader. */
export class RawServer {
  readonly child: ChildProcess;
  readonly answers: Answer[] = [];
  private waiters: (() => void)[] = [];
  private nextId = 1000;

  constructor() {
    this.child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server/cli.ts'), 'server', '--stdio'], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr!.resume();
    const reader = new StreamMessageReader(this.child.stdout!);
    reader.listen((m: Message) => {
      this.answers.push(m as unknown as Answer);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  write(bytes: string | Buffer): void {
    this.child.stdin!.write(bytes);
  }

  /** One well-framed message around `body`. */
  frame(body: string | Buffer): Buffer {
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    return Buffer.concat([Buffer.from(`Content-Length: ${b.length}\r\n\r\n`), b]);
  }

  /** The next answer from index `from` on that `match` accepts; the deadline only turns a hang into a failure. */
  async answer(match: (a: Answer) => boolean, what: string, from = 0): Promise<Answer> {
    const end = Date.now() + 20000;
    for (;;) {
      const found = this.answers.slice(from).find(match);
      if (found) return found;
      if (Date.now() > end || this.child.exitCode !== null)
        throw new Error(`no answer for ${what}; got ${JSON.stringify(this.answers.slice(from))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  /** Proves the server still serves: a valid request gets its result. */
  async stillServes(): Promise<void> {
    const id = this.nextId++;
    this.write(this.frame(JSON.stringify({ jsonrpc: '2.0', id, method: 'remoteExec/listGateways' })));
    const a = await this.answer((x) => x.id === id, 'a valid request after the bad input');
    assert.deepEqual(a.result, [], 'the server keeps serving');
  }

  /** The error answered with id null after `from` (for input whose id cannot be known). */
  nullError(from: number, what: string): Promise<Answer> {
    return this.answer((x) => x.id === null && x.error !== undefined, what, from);
  }

  peakRss(): number {
    return peakRss(this.child.pid!);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
