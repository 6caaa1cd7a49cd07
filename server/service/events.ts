import type { ChannelSummary, DisplayEntry, GatewaySummary, InputParams, RunEvent } from '../../contract/service';

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
  /** Something a run displayed; sent after the output lines written before it (server/service/displays.ts). */
  display(entry: DisplayEntry): void;
  /**
   * Asks the user for a line for remote code (INPUT); null when they cancel. `signal` aborts when the
   * question no longer stands (its run ended). Without it, remote reads meet end-of-file.
   */
  input?(params: InputParams, signal: AbortSignal): Promise<string | null>;
}

/**
 * Logging of the service itself: stderr only, since stdout carries the JSON-RPC stream. Each line names
 * its level, so the extension's output channel shows a normal line as info, not as an error.
 */
export function serviceLog(message: string, level: 'info' | 'warn' | 'error' = 'info'): void {
  process.stderr.write(`[remote-exec server ${new Date().toISOString()}] ${level}: ${message}\n`);
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
    display: (entry) => events.display(entry),
    input: events.input && ((params, signal) => events.input!(params, signal)),
  };
}
