import { inspect } from 'util';
import type { Gateway, LogRecord } from '../../protocol';

/** Streams a gateway's remote stdout, stderr and log records to this process's own streams. */
export function streamGatewayOutput(gateway: Gateway): void {
  gateway.on('stdout', (chunk: Buffer) => process.stdout.write(chunk));
  gateway.on('stderr', (chunk: Buffer) => process.stderr.write(chunk));
  gateway.on('log', (record: LogRecord) => process.stderr.write(formatLogRecord(record)));
}

export function formatLogRecord(record: LogRecord): string {
  const text = `[${record.levelname}] ${record.logger}: ${record.message}\n`;
  return record.exc_text ? `${text}${record.exc_text.replace(/\n?$/, '\n')}` : text;
}

/** How a value received on a channel is shown: strings as they are, anything else inspected. */
export function formatItem(item: unknown): string {
  return typeof item === 'string' ? item : inspect(item, { depth: 6, colors: process.stdout.isTTY });
}
