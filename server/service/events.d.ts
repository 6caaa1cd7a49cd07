import type { ChannelSummary, GatewaySummary, LogEvent, OutputEvent, RunEvent } from '../../contract/service';
/**
 * Where the service reports what happens, so the gateway manager knows nothing of JSON-RPC: the server
 * forwards each call as the notification of the same name; tests may collect them directly.
 */
export interface ServiceEvents {
  output(event: OutputEvent): void;
  log(event: LogEvent): void;
  gatewayChanged(summary: GatewaySummary): void;
  objectsChanged(gatewayId: string): void;
  channelsChanged(gatewayId: string, channels: ChannelSummary[]): void;
  runChanged(event: RunEvent): void;
}
/** Logging of the service itself: stderr only, since stdout carries the JSON-RPC stream. */
export declare function serviceLog(message: string): void;
/**
 * The same events, with `onChange` called after every one that can change what the status page shows
 * (a gateway, a run or a channel), so status pushes follow every notification the UI gets.
 */
export declare function withChangeHook(events: ServiceEvents, onChange: () => void): ServiceEvents;
