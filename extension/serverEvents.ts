import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { LogEntry } from '../contract/logs';
import * as rpc from '../contract/service';

/**
 * The server's notifications as events any number of views can subscribe to. A JSON-RPC connection keeps
 * one handler per method (a second `client.onNotification` for the same method replaces the first), so
 * every notification of the shared contract is received here once and fanned out.
 */
export class ServerEvents implements vscode.Disposable {
  private readonly logEntries = new vscode.EventEmitter<LogEntry[]>();
  private readonly gatewayChanged = new vscode.EventEmitter<rpc.GatewaySummary>();
  private readonly objectsChanged = new vscode.EventEmitter<rpc.GatewayRef>();
  private readonly channelsChanged = new vscode.EventEmitter<rpc.GatewayRef & { channels: rpc.ChannelSummary[] }>();
  private readonly runChanged = new vscode.EventEmitter<rpc.RunEvent>();
  private readonly displayed = new vscode.EventEmitter<rpc.DisplayEntry>();

  /** Everything the gateways say (output, log records, lifecycle), in the server's batches. */
  readonly onLogEntries = this.logEntries.event;
  readonly onGatewayChanged = this.gatewayChanged.event;
  readonly onObjectsChanged = this.objectsChanged.event;
  readonly onChannelsChanged = this.channelsChanged.event;
  readonly onRunChanged = this.runChanged.event;
  /** Something a run displayed (a plot, a table), after the output lines written before it. */
  readonly onDisplay = this.displayed.event;

  private readonly subscriptions: vscode.Disposable[];

  constructor(client: LanguageClient) {
    this.subscriptions = [
      client.onNotification(rpc.logEntries, (e) => this.logEntries.fire(e)),
      client.onNotification(rpc.gatewayChanged, (e) => this.gatewayChanged.fire(e)),
      client.onNotification(rpc.objectsChanged, (e) => this.objectsChanged.fire(e)),
      client.onNotification(rpc.channelsChanged, (e) => this.channelsChanged.fire(e)),
      client.onNotification(rpc.runChanged, (e) => this.runChanged.fire(e)),
      client.onNotification(rpc.display, (e) => this.displayed.fire(e)),
      this.logEntries,
      this.gatewayChanged,
      this.objectsChanged,
      this.channelsChanged,
      this.runChanged,
      this.displayed,
    ];
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
  }
}
