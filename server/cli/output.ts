import { inspect } from 'util';
import type { Gateway, LogRecord } from '../../protocol';
import { useColour } from './colour';

/** Streams a gateway's remote stdout, stderr and log records to this process's own streams. */
export function streamGatewayOutput(gateway: Gateway): void {
  gateway.on('stdout', (chunk: Buffer) => process.stdout.write(chunk));
  gateway.on('stderr', (chunk: Buffer) => process.stderr.write(chunk));
  gateway.on('log', (record: LogRecord) => process.stderr.write(formatLogRecord(record)));
}

const LEVEL_COLOURS: [number, string][] = [
  [40, '\x1b[31m'],
  [30, '\x1b[33m'],
  [20, '\x1b[36m'],
  [0, '\x1b[2m'],
];

/** `[LEVEL] logger (thread): message`, then any exception text; the level coloured when `colour`. */
export function formatLogRecord(record: LogRecord, colour = useColour(process.stderr)): string {
  const name = record.levelname || String(record.level);
  const level = colour ? `${LEVEL_COLOURS.find(([n]) => record.level >= n)?.[1] ?? ''}[${name}]\x1b[0m` : `[${name}]`;
  const where = record.thread && record.thread !== 'MainThread' ? `${record.logger} (${record.thread})` : record.logger;
  const text = `${level} ${where}: ${record.message}\n`;
  return record.exc_text ? `${text}${record.exc_text.replace(/\n?$/, '\n')}` : text;
}

/** How a value received on a channel is shown: strings as they are, anything else inspected. */
export function formatItem(item: unknown): string {
  return typeof item === 'string' ? item : inspect(item, { depth: 6, colors: useColour(process.stdout) });
}
