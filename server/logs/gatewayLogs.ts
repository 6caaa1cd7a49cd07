import { StringDecoder } from 'string_decoder';
import type { EventEmitter } from 'events';
import type { LogRecord } from '../../protocol/messages';
import { levelName, type NewLogEntry } from '../../contract/logs';

/** What attachGatewayLogs needs of a Gateway (its events, `id`, `spec`, `info`). */
export interface GatewayLogSource extends EventEmitter {
  readonly id: string;
  readonly spec: string;
  readonly info?: { language: string; version: string; pid: number };
}

export interface AttachOptions {
  /** Longest line kept; longer lines are cut and marked, so one huge write cannot flood the panel. */
  maxLineChars?: number;
  /** A partial line (no newline yet) waits this long for the rest before it is shown as is. */
  partialLineMs?: number;
  /** Who learns which channel wrote what: the owner of the gateway's runs. */
  attribution?: OutputAttribution;
}

/** What the owner of a gateway's runs knows of the output its channels' tasks write. */
export interface OutputAttribution {
  /** The run whose task is on `channel`, so its lines carry it. */
  runOf(channel: number): string | undefined;
  /** `bytes` of output arrived from the task on `channel`. */
  outputSeen(channel: number, bytes: number): void;
}

const STDOUT_LEVEL = 20;
const STDERR_LEVEL = 30;

/** Detaches the logs of a gateway; `flushPartials` shows the lines still waiting for their newline now. */
export type AttachedLogs = (() => void) & { flushPartials(): void };

/**
 * Turns a gateway's `stdout`, `stderr`, `log` and `exit` events into log entries for `sink`, one per line,
 * plus lifecycle entries for its opening and closing. Returns a function that detaches.
 */
export function attachGatewayLogs(
  gateway: GatewayLogSource,
  sink: (entry: NewLogEntry) => void,
  options: AttachOptions = {},
): AttachedLogs {
  const maxLineChars = options.maxLineChars ?? 16_384;
  const streams = {
    stdout: new LineSplitter('stdout', STDOUT_LEVEL),
    stderr: new LineSplitter('stderr', STDERR_LEVEL),
  };
  const attribution = options.attribution;
  const emitLine: EmitLine = (stream, level, text, channel, partial) => {
    const run = channel ? attribution?.runOf(channel) : undefined;
    sink({
      gateway: gateway.id,
      stream,
      level,
      levelname: levelName(level),
      // Already bounded by the splitter, which says itself how much of a long line it dropped.
      text,
      ...(channel ? { channel } : {}),
      ...(run ? { run } : {}),
      ...(partial ? { partial } : {}),
    });
  };
  let partialTimer: NodeJS.Timeout | undefined;
  const flushPartials = (idle = false) => {
    partialTimer = undefined;
    for (const s of Object.values(streams)) s.flushPartial(emitLine, idle);
  };
  const onOutput = (stream: 'stdout' | 'stderr') => (chunk: Buffer, channel?: { id: number }) => {
    const splitter = streams[stream];
    if (channel) attribution?.outputSeen(channel.id, chunk.length);
    splitter.write(chunk, channel?.id, emitLine, maxLineChars);
    if (splitter.hasPartial() && !partialTimer) {
      partialTimer = setTimeout(flushPartials, options.partialLineMs ?? 100, true);
      partialTimer.unref?.();
    }
  };
  const onStdout = onOutput('stdout');
  const onStderr = onOutput('stderr');
  const onLog = (record: LogRecord) => sink(entryFromRecord(gateway.id, record, maxLineChars));
  const onExit = (exit: { code: number | null; signal: string | null; reason: string }) => {
    flushPartials();
    const failed = (exit.code !== null && exit.code !== 0) || exit.signal !== null;
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
    const level = failed ? 40 : 20;
    sink({
      gateway: gateway.id,
      stream: 'lifecycle',
      level,
      levelname: levelName(level),
      text: `gateway ${gateway.id} closed (${how}): ${exit.reason}`,
    });
  };

  gateway.on('stdout', onStdout);
  gateway.on('stderr', onStderr);
  gateway.on('log', onLog);
  gateway.on('exit', onExit);
  const info = gateway.info;
  const about = info ? ` — ${info.language} ${info.version}, pid ${info.pid}` : '';
  sink({
    gateway: gateway.id,
    stream: 'lifecycle',
    level: 20,
    levelname: 'INFO',
    text: `gateway ${gateway.id} opened: ${gateway.spec}${about}`,
  });

  const detach = () => {
    if (partialTimer) clearTimeout(partialTimer);
    flushPartials();
    gateway.off('stdout', onStdout);
    gateway.off('stderr', onStderr);
    gateway.off('log', onLog);
    gateway.off('exit', onExit);
  };
  return Object.assign(detach, {
    flushPartials: () => {
      if (partialTimer) clearTimeout(partialTimer);
      flushPartials();
    },
  });
}

type EmitLine = (stream: 'stdout' | 'stderr', level: number, text: string, channel: number | undefined, partial?: boolean) => void;

export function entryFromRecord(gateway: string, record: LogRecord, maxLineChars = 16_384): NewLogEntry {
  const kind = record.kind ?? 'log';
  const text = record.exc_text ? `${record.message}\n${record.exc_text.replace(/\n+$/, '')}` : record.message;
  const level = typeof record.level === 'number' ? record.level : 20;
  return {
    gateway,
    stream: kind === 'exception' || kind === 'warning' ? kind : 'log',
    level,
    levelname: record.levelname || levelName(level),
    logger: record.logger,
    thread: record.thread,
    text: clip(String(text), maxLineChars * 4),
    ...(typeof record.time === 'number' ? { remoteTime: Math.round(record.time * 1000) } : {}),
  };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… [${text.length - max} more characters cut]` : text;
}

/**
 * Splits one output stream into lines, decoding UTF-8 across chunk boundaries. A partial line is held
 * until its newline arrives or the caller flushes it after a pause. A line longer than the limit keeps
 * its first `maxLineChars` characters: the rest of its bytes are skipped without being decoded or held,
 * and the line says how many were dropped, so one huge write costs neither memory nor silence.
 */
class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private partialChannel: number | undefined;
  /** Bytes of the current line past the limit. */
  private dropped = 0;
  /**
   * The current line was already shown cut at the limit (a partial line after a pause): the rest of it, to
   * its newline, is only counted, so one endless line is shown once, not once per pause.
   */
  private cut = false;

  constructor(
    readonly stream: 'stdout' | 'stderr',
    readonly level: number,
  ) {}

  hasPartial(): boolean {
    return this.partial.length > 0 || this.dropped > 0;
  }

  write(chunk: Buffer, channel: number | undefined, emit: EmitLine, maxLineChars: number): void {
    if (this.hasPartial() && channel !== this.partialChannel) this.flushPartial(emit);
    this.partialChannel = channel;
    // A newline byte never occurs inside a UTF-8 sequence, so lines can be found before decoding.
    for (let pos = 0; ;) {
      const nl = chunk.indexOf(0x0a, pos);
      this.take(chunk, pos, nl < 0 ? chunk.length : nl, maxLineChars);
      if (nl < 0) return;
      this.emitLine(emit, channel, false);
      pos = nl + 1;
    }
  }

  /**
   * The text written since the last newline, as a line marked partial (the next one continues it). After
   * a mere pause (`idle`) a line already shown cut says nothing more until it ends.
   */
  flushPartial(emit: EmitLine, idle = false): void {
    if (idle && this.cut && this.partial.length === 0) return;
    if (this.hasPartial()) this.emitLine(emit, this.partialChannel, true);
    else this.decoder.end();
  }

  /** Decodes bytes `from`..`to` of the current line while it is under the limit; counts the rest. */
  private take(chunk: Buffer, from: number, to: number, maxLineChars: number): void {
    // A character takes at least one byte: decoding `room` bytes never overshoots the limit.
    for (
      let room = maxLineChars - this.partial.length;
      from < to && room > 0 && this.dropped === 0 && !this.cut;
      room = maxLineChars - this.partial.length
    ) {
      const end = Math.min(to, from + room);
      this.partial += this.decoder.write(chunk.subarray(from, end));
      from = end;
    }
    this.dropped += to - from;
  }

  private emitLine(emit: EmitLine, channel: number | undefined, partial: boolean): void {
    let text = this.partial + this.decoder.end();
    if (!partial && this.dropped === 0 && text.endsWith('\r')) text = text.slice(0, -1);
    if (this.dropped > 0) text += `… [${this.dropped} bytes dropped]`;
    this.cut = partial && (this.cut || this.dropped > 0);
    this.partial = '';
    this.dropped = 0;
    if (partial) emit(this.stream, this.level, text, channel, true);
    else emit(this.stream, this.level, text, channel);
  }
}
