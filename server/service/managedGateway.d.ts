import { type Channel, type Gateway } from '../../protocol';
import type { ChannelSummary, GatewayState, GatewaySummary } from '../../contract/service';
import type { ServiceEvents } from './events';
import type { SourceOrigin } from './traceback';
import type { RefResolver } from './values';
/**
 * One gateway the service owns, with what the UI needs beside the protocol Gateway: its name, its runs
 * and their channels, the sources runs came from (to map tracebacks), and the remote objects the UI was
 * shown, held alive until the user releases them or the gateway ends.
 */
export declare class ManagedGateway implements RefResolver {
  readonly id: string;
  readonly spec: string;
  readonly name: string | undefined;
  private readonly events;
  gateway?: Gateway;
  state: GatewayState;
  exitReason?: string;
  runs: number;
  readonly running: Map<string, Channel>;
  private readonly channelStats;
  private readonly origins;
  private readonly held;
  private readonly reprs;
  private runCounter;
  readonly startedAt: number;
  constructor(id: string, spec: string, name: string | undefined, events: ServiceEvents);
  /** Takes over an opened Gateway: forwards its output, logs and channels, and notices its end. */
  attach(gateway: Gateway): void;
  get language(): string;
  isOpen(): boolean;
  /** The gateway, or a clear error naming why it cannot take work. */
  open(): Gateway;
  summary(): GatewaySummary;
  /** A fresh run id and the name its source is registered under on the agent (`<remote-exec-N>`). */
  newRun(
    origin: SourceOrigin,
    runId?: string,
  ): {
    runId: string;
    sourceName: string;
  };
  originOf: (sourceName: string) => SourceOrigin | undefined;
  runStarted(runId: string, channel: Channel): void;
  itemReceived(channel: Channel): void;
  runFinished(runId: string, channel: Channel): void;
  channels(): ChannelSummary[];
  closeChannel(channelId: number): void;
  notifyChannels(): void;
  private statsFor;
  private pruneClosedChannels;
  hold(proxy: unknown):
    | {
        id: number;
        type: string;
        callable: boolean;
      }
    | undefined;
  reprOf(id: number): string | undefined;
  rememberRepr(id: number, repr: string): void;
  isHeld(id: number): boolean;
  release(objectId: number): Promise<void>;
  private onOutput;
  private onExit;
}
