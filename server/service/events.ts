import type { ChannelSummary, GatewaySummary, RunEvent } from '../../contract/service';

/**
 * Where the service reports what happens, so the gateway manager knows nothing of JSON-RPC: the server
 * forwards each call as the notification of the same name; tests may collect them directly. What a
 * gateway says (output, log records, lifecycle) is not here: it has one route, the log store.
 */
export interface ServiceEvents {
  gatewayChanged(summary: GatewaySummary): void;
  objectsChanged(gatewayId: string): void;
  channelsChanged(gatewayId: string, channels: ChannelSummary[]): void;
  runChanged(event: RunEvent): void;
}

/** Logging of the service itself: stderr only, since stdout carries the JSON-RPC stream. */
export function serviceLog(message: string): void {
  process.stderr.write(`[remote-exec server ${new Date().toISOString()}] ${message}\n`);
}

/**
 * The same events, with `onChange` called after every one that can change what the status page shows
 * (a gateway, a run or a channel), so status pushes follow every notification the UI gets.
 */
export function withChangeHook(events: ServiceEvents, onChange: () => void): ServiceEvents {
  return {
    gatewayChanged: (s) => {
      events.gatewayChanged(s);
      onChange();
    },
    objectsChanged: (gatewayId) => events.objectsChanged(gatewayId),
    channelsChanged: (gatewayId, channels) => {
      events.channelsChanged(gatewayId, channels);
      onChange();
    },
    runChanged: (e) => {
      events.runChanged(e);
      onChange();
    },
  };
}
