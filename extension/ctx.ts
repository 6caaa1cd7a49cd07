import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { BackendRestarts } from './backendRestarts';
import { GatewayStore } from './gatewayStore';
import { ServerEvents } from './serverEvents';

/**
 * The one object that owns everything the extension creates: the client, the event fan-out, the output
 * channel and the gateway store. Everything registered through `push` is disposed on deactivation.
 */
export class Ctx implements vscode.Disposable {
  readonly events: ServerEvents;
  readonly gateways: GatewayStore;
  readonly output: vscode.OutputChannel;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly extensionContext: vscode.ExtensionContext,
    readonly client: LanguageClient,
    readonly restarts: BackendRestarts,
  ) {
    this.output = this.push(vscode.window.createOutputChannel('Remote Exec'));
    this.events = this.push(new ServerEvents(client));
    this.gateways = this.push(new GatewayStore(this.events));
  }

  push<T extends vscode.Disposable>(disposable: T): T {
    this.disposables.push(disposable);
    return disposable;
  }

  /** A request to the server, starting it first if it is not running. */
  async request<P, R>(type: RequestType<P, R, void>, params: P): Promise<R> {
    await this.ensureStarted();
    // By method name: the typed overloads cannot see through a generic P.
    return this.client.sendRequest<R>(type.method, params);
  }

  async request0<R>(type: RequestType0<R, void>): Promise<R> {
    await this.ensureStarted();
    return this.client.sendRequest(type);
  }

  async ensureStarted(): Promise<void> {
    if (!this.client.isRunning()) await this.client.start();
  }

  /** The user asked for a fresh backend: every gateway closes with the old one. */
  async restartBackend(): Promise<void> {
    this.restarts.reset();
    if (this.client.isRunning()) await this.client.restart();
    else await this.client.start();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
