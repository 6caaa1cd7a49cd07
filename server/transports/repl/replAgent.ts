import type { Readable, Writable } from 'stream';
import {
  DEFAULT_MAX_FRAME,
  FrameDecoder,
  frameHeader,
  MessageType,
  negotiateVersion,
  RemoteError,
  ValueCodec,
  type Message,
} from '../../../protocol';
import type { ReplSession } from './replSession';

/** A REPL has no channel windows, rich display or input requests to offer: it speaks version 1. */
const REPL_PROTOCOL_VERSION = 1;

export interface ReplAgentInfo {
  language: string;
  executable: string;
  cwd: string;
  platform: string;
}

interface Job {
  channel: number;
  source: string;
}

/**
 * The agent side of the protocol (PROTOCOL.md) for a REPL in a terminal, in this process: it speaks
 * frames over an in-memory stream pair, so the host's Gateway sees one more agent. It runs EXEC sources
 * one at a time in the REPL (capabilities `exec` and `interrupt`; no objects).
 */
export class ReplAgent {
  private readonly codec = new ValueCodec();
  private readonly decoder = new FrameDecoder(DEFAULT_MAX_FRAME);
  private readonly startedAt = Date.now();
  private readonly counters = { msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0 };
  private hostHello = false;
  private readonly early: Message[] = [];
  private readonly queue: Job[] = [];
  private running?: Job;
  private terminating = false;

  constructor(
    private readonly session: ReplSession,
    private readonly fromHost: Readable,
    private readonly toHost: Writable,
  ) {
    fromHost.on('data', (chunk: Buffer) => this.onBytes(chunk));
    fromHost.on('end', () => this.terminate());
  }

  /** Starts the REPL, then says HELLO; a REPL that never gets ready leaves the host's HELLO wait to report it. */
  async start(info: ReplAgentInfo): Promise<void> {
    const version = await this.session.start();
    this.send(MessageType.HELLO, 0, {
      protocol: REPL_PROTOCOL_VERSION,
      language: info.language,
      version,
      pid: this.session.pty.pid,
      cwd: info.cwd,
      executable: info.executable,
      platform: info.platform,
      capabilities: ['exec', 'interrupt'],
      maxFrame: DEFAULT_MAX_FRAME,
    });
  }

  private onBytes(chunk: Buffer): void {
    try {
      this.decoder.push(chunk, (body) => {
        this.counters.msgsIn++;
        this.counters.bytesIn += body.length;
        const message = this.codec.decode(body) as Message;
        if (!Array.isArray(message) || message.length !== 3) throw new Error('a frame body is not a [type, id, payload] message');
        if (!this.hostHello && message[0] !== MessageType.HELLO) this.early.push(message);
        else this.onMessage(message);
      });
    } catch (err) {
      this.send(MessageType.ERROR, 0, `protocol error: ${err instanceof Error ? err.message : String(err)}`);
      this.terminate();
    }
  }

  private onMessage([type, id, payload]: Message): void {
    switch (type) {
      case MessageType.HELLO:
        if (!this.hostHello) {
          this.hostHello = true;
          const hello = payload as { protocol?: number; maxFrame?: number };
          if (negotiateVersion(hello?.protocol, REPL_PROTOCOL_VERSION) === undefined) {
            this.send(
              MessageType.ERROR,
              0,
              `the host speaks protocol version ${hello?.protocol}; this agent speaks ${REPL_PROTOCOL_VERSION}`,
            );
            this.terminate();
            return;
          }
          for (const message of this.early.splice(0)) this.onMessage(message);
        }
        return;
      case MessageType.EXEC:
        return this.onExec(id, payload as { source?: unknown });
      case MessageType.STATUS:
        return this.send(MessageType.REPLY, id, this.status());
      case MessageType.INTERRUPT:
        return this.onInterrupt(id);
      case MessageType.TERMINATE:
        return this.terminate();
      case MessageType.OBJECT:
        return this.send(
          MessageType.REPLY_ERROR,
          id,
          new RemoteError('NotImplementedError', 'objects are not supported by REPL gateways', ''),
        );
      case MessageType.DATA:
        // A line for the running code's standard input (`read x` in a shell), as if typed at its terminal.
        if (this.running && this.running.channel === id && typeof payload === 'string') {
          this.session.pty.write(payload.replace(/\r?\n$/, '') + '\r');
          return;
        }
        return this.send(
          MessageType.ERROR,
          0,
          `channel ${id}: REPL gateways take no channel data but str lines for the running code's input (the code runs in the REPL, which has no channel)`,
        );
      case MessageType.CLOSE:
      case MessageType.CLOSE_ERROR:
      case MessageType.LAST_MESSAGE:
      case MessageType.RELEASE:
      case MessageType.REPLY:
      case MessageType.REPLY_ERROR:
      case MessageType.ERROR:
        // Nothing here holds channels the host can close early, objects, or requests of its own.
        return;
      default:
        return this.send(MessageType.ERROR, 0, `unknown message type ${type}`);
    }
  }

  private onExec(channel: number, payload: { source?: unknown }): void {
    if (typeof payload?.source !== 'string') {
      this.send(MessageType.CLOSE_ERROR, channel, new RemoteError('TypeError', 'EXEC needs {source: str}', ''));
      return;
    }
    // The REPL is exiting: its exit ends the gateway, and with it this channel (GatewayClosedError).
    if (this.terminating) return;
    this.queue.push({ channel, source: payload.source });
    this.next();
  }

  private next(): void {
    if (this.running || this.terminating) return;
    const job = this.queue.shift();
    if (!job) return;
    this.running = job;
    this.session
      .run(job.source, (text) => this.send(MessageType.STDOUT, job.channel, Buffer.from(text, 'utf8')))
      .then(
        (result) => {
          if (result.error) this.send(MessageType.CLOSE_ERROR, job.channel, new RemoteError(...result.error));
          else this.send(MessageType.CLOSE, job.channel, null);
        },
        // A run fails only when the REPL exited: that exit closes the gateway, and every channel waiting on
        // it rejects with GatewayClosedError, as on any other gateway whose agent died.
        () => undefined,
      )
      .finally(() => {
        this.running = undefined;
        this.next();
      });
  }

  private onInterrupt(channel: number): void {
    const queued = this.queue.findIndex((job) => job.channel === channel);
    if (queued >= 0) {
      const [job] = this.queue.splice(queued, 1);
      this.send(MessageType.CLOSE_ERROR, job.channel, new RemoteError('KeyboardInterrupt', 'interrupted before it started', ''));
      return;
    }
    if (this.running && (channel === 0 || channel === this.running.channel)) this.session.interrupt();
  }

  private status(): Record<string, unknown> {
    return {
      numexecuting: this.running ? 1 : 0,
      numchannels: this.queue.length + (this.running ? 1 : 0),
      execqsize: this.queue.length,
      numobjects: 0,
      nextid: 0,
      pid: this.session.pty.pid,
      uptime: (Date.now() - this.startedAt) / 1000,
      ...this.counters,
    };
  }

  /** TERMINATE or the end of the host's stream: queued runs are closed, the REPL is asked to exit. */
  private terminate(): void {
    if (this.terminating) return;
    this.terminating = true;
    for (const job of this.queue.splice(0)) this.send(MessageType.CLOSE, job.channel, null);
    void this.session.close();
  }

  private send(type: MessageType, id: number, payload: unknown): void {
    if (this.toHost.writableEnded || this.toHost.destroyed) return;
    const body = this.codec.encode([type, id, payload]);
    this.counters.msgsOut++;
    this.counters.bytesOut += body.length;
    // The REPL's output is read only as fast as the host takes it (bounded memory).
    const ok = this.toHost.write(Buffer.concat([frameHeader(body.length), body]));
    if (!ok && type === MessageType.STDOUT) {
      this.session.pty.pause();
      this.toHost.once('drain', () => this.session.pty.resume());
    }
  }
}
