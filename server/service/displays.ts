import type { Channel, DisplayMessage, Gateway } from '../../protocol';
import type { DisplayEntry } from '../../contract/service';
import type { ServiceEvents } from './events';
import type { ManagedGateway } from './managedGateway';
import type { ServiceLogs } from './serviceLogs';

/** MIME types whose values are bytes on the wire (PROTOCOL.md §5) and base64 text in JSON. */
const BINARY_MIMES = new Set(['image/png', 'image/jpeg']);

/**
 * The route of a gateway's DISPLAY messages to the extension: each becomes a `remoteExec/display`
 * notification naming its run, sent once the output lines the run wrote before it have gone out, so the
 * results view shows them in the order they were written.
 */
export function attachDisplays(gateway: Gateway, managed: ManagedGateway, logs: ServiceLogs, events: ServiceEvents): void {
  gateway.on('display', (message: DisplayMessage, channel: Channel | undefined) => {
    logs.flushGateway(gateway.id);
    events.display(displayEntry(gateway.id, message, channel?.id, channel ? managed.runOf(channel.id) : undefined));
  });
}

export function displayEntry(gatewayId: string, message: DisplayMessage, channel?: number, runId?: string): DisplayEntry {
  const data: Record<string, unknown> = {};
  for (const [mime, value] of Object.entries(message.data)) {
    if (value instanceof Uint8Array) data[mime] = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    else if (BINARY_MIMES.has(mime) || value === undefined || !jsonSafe(value)) continue;
    else data[mime] = value;
  }
  const entry: DisplayEntry = { gatewayId, time: Date.now(), data };
  if (runId) entry.runId = runId;
  if (channel) entry.channel = channel;
  if (message.metadata && typeof message.metadata === 'object') entry.metadata = message.metadata;
  if (message.result) entry.result = true;
  return entry;
}

/** Whether JSON-RPC can carry the value as it is (no bigint, no bytes, no cycle). */
function jsonSafe(value: unknown): boolean {
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return true;
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}
