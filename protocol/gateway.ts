import { EventEmitter } from 'events';
import { Channel, type ChannelHost } from './channel';
import { ValueCodec, type ObjectRef, type ValueContext } from './codec';
import { ChannelClosedError, EncodeError, GatewayClosedError, ProtocolError, RemoteError, TimeoutError } from './errors';
import { dedent } from './dedent';
import { DEFAULT_MAX_FRAME, FrameDecoder } from './frames';
import { Fifo } from './fifo';
import {
  type AgentInfo,
  type DisplayMessage,
  type GatewayCounters,
  type GatewayState,
  type LogRecord,
  type Message,
  MESSAGE_NAMES,
  MessageType,
  type ObjectStep,
  MIN_PROTOCOL_VERSION,
  negotiateVersion,
  PROTOCOL_VERSION,
  type RemoteStatus,
  type ReturnType,
} from './messages';
import { ObjectTable } from './objectTable';
import type { Holder } from './proxy';
import { DEFAULT_MAX_REQUESTS, RequestTable } from './requests';
import type { Transport, TransportExit } from './transport';
import { DEFAULT_WINDOW, parseWindow, ReceiveWindow, SendCredit, type WindowSize } from './window';
import { type EncodedFrame, FrameWriter } from './writer';

export interface GatewayOptions {
  id: string;
  spec: string;
  /** Largest frame body this side accepts. */
  maxFrame?: number;
  /** Threshold of the agent's log forwarding (Python logging numbers). */
  logLevel?: number;
  /** How long the agent's reader polls for input after traffic before it blocks, in µs (0: never). */
  spinUs?: number;
  /** How long to wait for the agent's HELLO. */
  helloTimeoutMs?: number;
  /**
   * Bytes of received but unconsumed channel items above which reading pauses: the flow control of an
   * agent without windows (a version-1 one); with windows each channel is held to its own.
   */
  highWaterBytes?: number;
  /** This side's receive window of each channel (PROTOCOL.md §6.4): what the agent may send unconsumed. */
  window?: WindowSize;
  /** The agent's receive window of each channel; default the one its HELLO announces. */
  agentWindow?: WindowSize;
  /** OBJECT requests in flight at once (default 4096); more wait on the host, in order (PROTOCOL.md §7.1). */
  maxRequests?: number;
  /**
   * The highest protocol version this side announces (default PROTOCOL_VERSION). 1 speaks as a version-1
   * host would: no windows, no DISPLAY or INPUT; for comparison (the bench's windows-off rows) and tests.
   */
  protocol?: number;
  /** Called for every frame in and out when protocol tracing is on. */
  trace?: (direction: 'in' | 'out', message: Message) => void;
}

export interface GatewayExit extends TransportExit {
  /** Why the gateway closed, in words. */
  reason: string;
}

/** How `remoteExec` runs its source. */
export interface RemoteExecOptions {
  /** Run in the gateway's persistent session namespace (PROTOCOL.md §8). */
  session?: boolean;
  /** The file name tracebacks show (execnet shows a module's file). */
  name?: string;
  /** A function the source defines, run with the channel and `kwargs` once the source has run. */
  call?: string;
  /** Keyword arguments for `call` (plain values, §6). */
  kwargs?: Record<string, unknown>;
  /** Hints for rich output (§5). */
  display?: { pixelRatio?: number };
}

type Pending = { resolve(value: unknown): void; reject(err: Error): void };

/** A frame held back by its channel's window: a DATA item (with its sender's promise) or the CLOSE behind it. */
type Held = { frame: EncodedFrame; message: Message; sent?: Pending };

/** The sending side of one channel under windows: its credit and the frames waiting for more. */
type SendState = { credit: SendCredit; held: Fifo<Held>; closed: boolean };

/** An INPUT request (PROTOCOL.md §5): remote code reads a line (`input()`, `getpass`, a read of stdin). */
export interface InputRequest {
  prompt: string;
  /** The answer must not be echoed (`getpass`). */
  password: boolean;
  /** The channel of the task that asked, when the agent knows it. */
  channel: Channel | undefined;
}

/** Answers INPUT requests: the line (without its newline), or null for end-of-file (EOFError remotely). */
export type InputHandler = (request: InputRequest) => Promise<string | null> | string | null;

/**
 * The host side of one gateway: the protocol over one Transport. Owns the channels opened through it,
 * the requests in flight and the table of remote objects held by proxies.
 *
 * Events: `stdout` and `stderr` (chunk: Buffer, channel: Channel | undefined), `log` (LogRecord),
 * `display` (DisplayMessage, channel: Channel | undefined), `channel` (a Channel the agent opened),
 * `protocolError` (message: string), `exit` (GatewayExit), and `error` (what a throwing listener of the
 * others threw: the gateway carries on).
 */
export class Gateway extends EventEmitter implements ChannelHost {
  readonly id: string;
  readonly spec: string;
  info!: AgentInfo;
  /** The protocol version both sides use, the lower of the two HELLOs' (PROTOCOL.md §4); set by the HELLO exchange. */
  protocolVersion = 0;
  state: GatewayState = 'starting';
  readonly counters: GatewayCounters = { msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0 };
  /** Settles when the gateway has closed, with how it ended. */
  readonly closed: Promise<GatewayExit>;

  private readonly codec: ValueCodec;
  private readonly writer: FrameWriter;
  private readonly decoder: FrameDecoder;
  private readonly channels = new Map<number, Channel>();
  /** Channels running remote code (EXEC) that this side closed before the code ended: their end still comes. */
  private readonly execChannels = new WeakSet<Channel>();
  private readonly closedRunning = new Map<number, Channel>();
  private readonly requests: RequestTable;
  private nextChannelId = 1;
  private helloWaiter?: Pending;
  private closeError?: GatewayClosedError;
  private resolveClosed!: (exit: GatewayExit) => void;
  private unconsumedBytes = 0;
  private readonly highWater: number;
  private paused = false;
  private stderrTail = '';
  private exitReported = false;
  private streamEnding = false;
  private inputHandler?: InputHandler;
  /** Whether both sides hold DATA to per-channel windows: the agent announced one in its HELLO. */
  private windows = false;
  private agentWindow: WindowSize = DEFAULT_WINDOW;
  private readonly sendStates = new Map<number, SendState>();
  readonly objectTable: ObjectTable;

  constructor(
    readonly transport: Transport,
    private readonly options: GatewayOptions,
  ) {
    super();
    this.id = options.id;
    this.spec = options.spec;
    this.highWater = options.highWaterBytes ?? 64 * 1024 * 1024;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.objectTable = new ObjectTable(this);
    this.requests = new RequestTable(
      {
        encodeRequest: (type, id, payload) => this.encodeToHold(type, id, payload),
        writeRequest: ({ frame, message }) => this.writeFrame(frame, message),
        tracing: options.trace !== undefined,
        requestSettled: (holder) => this.objectTable.requestSettled(holder),
      },
      options.maxRequests ?? DEFAULT_MAX_REQUESTS,
    );
    const context: ValueContext = {
      channelId: (v) => (v instanceof Channel && this.channels.get(v.id) === v ? v.id : undefined),
      channelFromId: (id) => this.channelFor(id),
      objectRef: (v) => this.objectTable.refOf(v),
      objectFromRef: (ref: ObjectRef) => this.objectTable.proxyFor(ref),
      hostFunctionId: (fn) => this.objectTable.exportHostFunction(fn),
      hostFunctionFromId: (id) => this.objectTable.hostFunction(id),
      unsendable: (v) => this.objectTable.unsendable(v),
      peerVersion: () => this.protocolVersion || PROTOCOL_VERSION,
      // A Python agent builds Map keys and Set items as dict keys and set members: refused here, with
      // their place, rather than failing the message there.
      hashedKeys: () => this.info?.language === 'python',
    };
    this.codec = new ValueCodec(context);
    this.decoder = new FrameDecoder(options.maxFrame ?? DEFAULT_MAX_FRAME);
    this.writer = new FrameWriter(transport.output, this.codec, DEFAULT_MAX_FRAME, () => this.flushReleases());
    transport.input.on('data', (chunk: Buffer) => this.onBytes(chunk));
    transport.input.on('end', () => this.streamEnded('the agent closed its output stream'));
    transport.input.on('error', (err) => this.streamEnded(`reading from the agent failed: ${err.message}`));
    transport.output.on('error', (err) => this.streamEnded(`writing to the agent failed: ${err.message}`));
    transport.exited.then((exit) => {
      this.stderrTail = appendTail(this.stderrTail, exit.stderrTail);
      this.shutdown(describeExit(exit), exit);
    });
  }

  /** Waits for the agent's HELLO and answers it. Rejects with GatewayClosedError if the agent dies first. */
  start(): Promise<AgentInfo> {
    const timeoutMs = this.options.helloTimeoutMs ?? 30000;
    return new Promise<AgentInfo>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.helloWaiter = undefined;
        reject(new TimeoutError(`no HELLO from the agent of ${this.spec} within ${timeoutMs} ms`));
        this.transport.kill();
      }, timeoutMs);
      this.helloWaiter = {
        resolve: (info) => {
          clearTimeout(timer);
          resolve(info as AgentInfo);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      if (this.closeError) this.helloWaiter.reject(this.closeError);
    });
  }

  /**
   * Runs `source` on the agent in a new task; the returned channel is bound to `channel` there. The source
   * is dedented first, as execnet does, so code written as an indented template string runs as written.
   * `name` is the file name its tracebacks show; `call` names a function the source defines, which then
   * runs as `name(channel, **kwargs)` (execnet's `remote_exec(func, **kwargs)`). `session` runs it in the
   * gateway's persistent namespace (PROTOCOL.md §8); `display` holds hints for what it displays (§5), e.g.
   * `{ pixelRatio: 2 }` for images drawn for a dense screen.
   */
  remoteExec(source: string, options: RemoteExecOptions = {}): Channel {
    if (typeof source !== 'string') throw new TypeError(`remoteExec needs the source as a string, got ${describeType(source)}`);
    if (options.call !== undefined && (typeof options.call !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(options.call)))
      throw new TypeError(`remoteExec's call must be the name of a function the source defines, got ${JSON.stringify(options.call)}`);
    if (options.kwargs !== undefined && options.call === undefined)
      throw new TypeError("remoteExec's kwargs need call: the function to pass them to");
    const payload: Record<string, unknown> = { source: dedent(source) };
    if (options.session) payload.session = true;
    if (options.name) payload.name = options.name;
    if (options.call) {
      payload.call = options.call;
      payload.kwargs = options.kwargs ?? {};
    }
    if (options.display) payload.display = options.display;
    const channel = this.newChannel();
    try {
      this.send(MessageType.EXEC, channel.id, payload);
    } catch (err) {
      // Nothing was sent (a value in kwargs without an encoding): no channel either.
      this.channels.delete(channel.id);
      throw err;
    }
    this.execChannels.add(channel);
    return channel;
  }

  /** A new channel, for sending to remote code that receives it inside a message. */
  newChannel(): Channel {
    this.assertOpen();
    const id = this.nextChannelId;
    this.nextChannelId += 2;
    return this.channelFor(id);
  }

  /** The agent's STATUS (§5), with execnet's and saranwrap's keys. */
  remoteStatus(): Promise<RemoteStatus> {
    return this.request(MessageType.STATUS, null);
  }

  /**
   * One OBJECT request (§7): apply `steps` to `target` and return the result under `returnType`. A proxy
   * passes the holder of its object, counted until the request settles, and itself, kept alive until then.
   */
  objectRequest(
    target: number | null,
    steps: ObjectStep[],
    returnType: ReturnType = 'auto',
    holder?: Holder,
    keep?: object,
  ): Promise<unknown> {
    return this.requests.start(MessageType.OBJECT, [target, steps, returnType], true, holder, keep);
  }

  /** A proxy to the module `moduleName` on the agent (saranwrap's `wrap`; `require` on a Node agent). */
  wrap(moduleName: string): Promise<any> {
    return this.objectRequest(null, [['import', moduleName]], 'proxy');
  }

  /** The objects the agent has exported, by id: `[id, typeName, repr]`. */
  objects(): Promise<[number, string, string][]> {
    return this.objectRequest(null, [['list']]) as Promise<[number, string, string][]>;
  }

  /** Raises the language's interrupt in the task of `channel`, or in every running task. */
  interrupt(channel?: Channel): void {
    this.send(MessageType.INTERRUPT, channel ? channel.id : 0, null);
  }

  /**
   * Who answers the agent's INPUT requests (PROTOCOL.md §5). Without a handler every request is answered
   * with EOFError at once, as a process whose stdin is closed would see; `undefined` removes it.
   */
  setInputHandler(handler: InputHandler | undefined): void {
    this.inputHandler = handler;
  }

  /** Open channels by id. */
  listChannels(): Channel[] {
    return Array.from(this.channels.values());
  }

  /**
   * Ends the agent gracefully (TERMINATE, then end of input) and reaps it; kills it if it has not exited
   * after `timeoutMs`.
   */
  async exit(timeoutMs = 3000): Promise<GatewayExit> {
    if (this.isClosed()) return this.closed;
    if (this.state !== 'closing') {
      this.state = 'closing';
      try {
        this.send(MessageType.TERMINATE, 0, null);
      } catch {
        // Already unwritable: ending the stream below is all there is to do.
      }
      this.writer.end();
    }
    const timer = setTimeout(() => {
      if (this.info?.pid) this.transport.killAgent?.(this.info.pid);
      this.transport.kill();
    }, timeoutMs);
    try {
      return await this.closed;
    } finally {
      clearTimeout(timer);
    }
  }

  isClosed(): boolean {
    return this.state === 'closed' || this.state === 'failed';
  }

  override toString(): string {
    return `<Gateway id=${this.id} spec=${JSON.stringify(this.spec)} ${this.state}>`;
  }

  // ---- ChannelHost ----

  handled(): Promise<void> {
    if (this.isClosed()) return Promise.resolve();
    return this.request(MessageType.STATUS, null).then(
      () => undefined,
      () => undefined,
    );
  }

  deathError(): GatewayClosedError | undefined {
    return this.closeError;
  }

  sendChannelData(channel: Channel, item: unknown): Promise<void> {
    if (!this.windows) {
      this.send(MessageType.DATA, channel.id, item);
      return this.writer.drained();
    }
    const state = this.sendState(channel.id);
    if (state.held.length === 0 && state.credit.open) {
      state.credit.spend(this.send(MessageType.DATA, channel.id, item));
      return this.writer.drained();
    }
    // The window is spent: encoded now, so a bad value still fails at once, and written when credit comes.
    const held = this.encodeToHold(MessageType.DATA, channel.id, item);
    return new Promise<void>((resolve, reject) => {
      held.sent = { resolve: () => resolve(), reject };
      state.held.push(held);
    });
  }

  sendChannelClose(channel: Channel, error?: unknown): void {
    if (this.isClosed()) return;
    const type = error === undefined || error === null ? MessageType.CLOSE : MessageType.CLOSE_ERROR;
    const payload = type === MessageType.CLOSE ? null : error instanceof Error ? error : String(error);
    const state = this.sendStates.get(channel.id);
    if (!state) {
      this.send(type, channel.id, payload);
      return;
    }
    state.closed = true;
    // The close goes after the items still waiting for credit, as the user sent them.
    if (state.held.length > 0) state.held.push(this.encodeToHold(type, channel.id, payload));
    else {
      this.sendStates.delete(channel.id);
      this.send(type, channel.id, payload);
    }
  }

  sendCredit(channel: Channel, grant: WindowSize): void {
    this.trySend(MessageType.CREDIT, [grant.items, grant.bytes], channel.id);
  }

  consumed(bytes: number): void {
    this.unconsumedBytes -= bytes;
    if (this.paused && this.unconsumedBytes < this.highWater / 2) {
      this.paused = false;
      this.transport.input.resume();
    }
  }

  channelEnded(channel: Channel): void {
    if (this.channels.get(channel.id) === channel) this.channels.delete(channel.id);
    // The agent still ends the code's task with CLOSE or CLOSE_ERROR (PROTOCOL.md §6.2): kept for its outcome.
    if (this.execChannels.has(channel) && !channel.remoteEnded && !this.closeError) this.closedRunning.set(channel.id, channel);
  }

  // ---- sending ----

  /** Encodes and queues one message; returns its body's size. Throws EncodeError (nothing sent) for a value without encoding. */
  send(type: MessageType, id: number, payload: unknown): number {
    const held = this.encodeToHold(type, id, payload);
    this.writeFrame(held.frame, held.message);
    return held.frame.length;
  }

  private encodeToHold(type: MessageType, id: number, payload: unknown): Held {
    this.assertOpen(type);
    const message: Message = [type, id, payload];
    try {
      return { frame: this.writer.encode(message), message };
    } catch (err) {
      // Name the bad part relative to what the caller passed, not to the envelope around it.
      const why = err instanceof EncodeError ? this.codec.explain(payload) : undefined;
      throw why ? new EncodeError(type === MessageType.OBJECT ? placeInSteps(why, payload) : why) : err;
    }
  }

  private writeFrame(frame: EncodedFrame, message: Message | undefined): void {
    this.writer.writeEncoded(frame);
    this.counters.msgsOut++;
    this.counters.bytesOut += frame.length;
    if (message) this.options.trace?.('out', message);
  }

  /** The sending side of a channel's window, made with the agent's full window on first use. */
  private sendState(id: number): SendState {
    let state = this.sendStates.get(id);
    if (!state) this.sendStates.set(id, (state = { credit: new SendCredit(this.agentWindow), held: new Fifo<Held>(), closed: false }));
    return state;
  }

  /** Writes what a channel's credit allows of the frames it held back. */
  private releaseHeld(id: number, state: SendState): void {
    while (state.held.length > 0 && state.credit.open) {
      const held = state.held.shift()!;
      try {
        this.writeFrame(held.frame, held.message);
      } catch (err) {
        held.sent?.reject(err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      if (held.message[0] === MessageType.DATA) {
        state.credit.spend(held.frame.length);
        held.sent?.resolve(undefined);
      }
    }
    if (state.closed && state.held.length === 0) this.sendStates.delete(id);
  }

  /** The other end closed the channel or the gateway ended: what was held back for it can no longer go. */
  private dropHeld(id: number, err: Error): void {
    const state = this.sendStates.get(id);
    if (!state) return;
    this.sendStates.delete(id);
    for (const held of state.held) held.sent?.reject(err);
  }

  /**
   * Sends the releases of dropped proxies (PROTOCOL.md §7.4): called before each flush of the writer, so
   * they ride in the next outgoing write, and by the object table's timer when nothing else goes out.
   */
  flushReleases(): void {
    const releases = this.objectTable.takeReleases();
    if (releases.length > 0 && !this.closeError) this.send(MessageType.RELEASE, 0, releases);
  }

  private request(type: MessageType.STATUS, payload: null): Promise<RemoteStatus> {
    return this.requests.start(type, payload, false) as Promise<RemoteStatus>;
  }

  private assertOpen(type?: MessageType): void {
    if (this.closeError) throw this.closeError;
    if (this.state === 'closing' && type !== MessageType.TERMINATE && type !== MessageType.CLOSE && type !== MessageType.RELEASE) {
      throw new GatewayClosedError(`gateway ${this.id} is exiting`);
    }
  }

  // ---- receiving: one handler per message type ----

  private onBytes(chunk: Buffer): void {
    try {
      this.decoder.push(chunk, (body) => this.onFrame(body));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.notify('protocolError', message);
      this.trySend(MessageType.ERROR, message);
      this.shutdown(`protocol error: ${message}`);
      this.transport.kill();
    }
  }

  /** Handles one frame; true when its memory may be reused (the payload is a str, a number or the like: copied out). */
  private onFrame(body: Buffer): boolean {
    const message = this.codec.decode(body) as Message;
    if (!Array.isArray(message) || message.length !== 3 || typeof message[0] !== 'number' || typeof message[1] !== 'number') {
      throw new ProtocolError(`a frame body is not a [type, id, payload] message: ${JSON.stringify(message)?.slice(0, 100)}`);
    }
    this.counters.msgsIn++;
    this.counters.bytesIn += body.length;
    this.options.trace?.('in', message);
    const [type, id, payload] = message;
    this.dispatch(type, id, payload, body.length);
    return payload === null || (typeof payload !== 'object' && typeof payload !== 'function');
  }

  private dispatch(type: number, id: number, payload: unknown, length: number): void {
    switch (type) {
      case MessageType.HELLO:
        return this.onHello(payload as AgentInfo);
      case MessageType.DATA:
        return this.onData(id, payload, length);
      case MessageType.CLOSE:
        return this.onClose(id);
      case MessageType.CLOSE_ERROR:
        return this.onCloseError(id, payload);
      case MessageType.LAST_MESSAGE:
        return this.onLastMessage(id);
      case MessageType.CREDIT:
        return this.onCredit(id, payload);
      case MessageType.STDOUT:
        return this.onOutput('stdout', id, payload);
      case MessageType.STDERR:
        return this.onOutput('stderr', id, payload);
      case MessageType.LOG:
        return this.onLog(payload);
      case MessageType.DISPLAY:
        return this.onDisplay(id, payload);
      case MessageType.INPUT:
        return this.onInput(id, payload);
      case MessageType.ERROR:
        return this.onError(payload);
      case MessageType.REPLY:
        return this.onReply(id, payload);
      case MessageType.REPLY_ERROR:
        return this.onReplyError(id, payload);
      case MessageType.CALLBACK:
        return this.onCallback(id, payload);
      default:
        return this.onUnknown(type);
    }
  }

  private onHello(info: AgentInfo): void {
    const ours = this.options.protocol ?? PROTOCOL_VERSION;
    const version = negotiateVersion(info.protocol, ours);
    if (version === undefined) {
      const message = `the agent speaks protocol version ${info.protocol}; this host speaks versions ${MIN_PROTOCOL_VERSION} to ${ours}`;
      this.trySend(MessageType.ERROR, message);
      this.helloWaiter?.reject(new ProtocolError(message));
      this.transport.kill();
      return;
    }
    this.info = info;
    this.protocolVersion = version;
    this.writer.maxFrame = info.maxFrame || DEFAULT_MAX_FRAME;
    // Agent-opened channels have even ids; ours are odd (PROTOCOL.md §6.1).
    const hello: Record<string, unknown> = { protocol: ours, maxFrame: this.decoder.maxFrame };
    if (this.options.logLevel !== undefined) hello.logLevel = this.options.logLevel;
    if (this.options.spinUs !== undefined) hello.spinUs = this.options.spinUs;
    // An agent that announces its window holds its own sending to ours (§6.4); one that does not gets none.
    const agentWindow = version >= 2 ? parseWindow(info.window) : undefined;
    if (agentWindow) {
      this.windows = true;
      this.agentWindow = this.options.agentWindow ?? agentWindow;
      hello.window = windowPayload(this.receiveWindowSize);
      if (this.options.agentWindow) hello.agentWindow = windowPayload(this.options.agentWindow);
    }
    this.send(MessageType.HELLO, 0, hello);
    this.state = 'open';
    this.helloWaiter?.resolve(info);
    this.helloWaiter = undefined;
  }

  private onData(id: number, item: unknown, bytes: number): void {
    // Items for a channel this side opened and has since closed were in flight when it closed: dropped,
    // as execnet does, rather than queued in a new channel of the same id that nobody reads.
    if (id % 2 === 1 && id < this.nextChannelId && !this.channels.has(id)) return;
    this.unconsumedBytes += bytes;
    if (!this.windows && !this.paused && this.unconsumedBytes > this.highWater) {
      this.paused = true;
      this.transport.input.pause();
    }
    this.channelFor(id).deliver(item, bytes);
  }

  private onClose(id: number): void {
    this.dropHeld(id, new ChannelClosedError(`channel ${id} was closed by the other side before the item could be sent`));
    const late = this.takeClosedRunning(id);
    if (late) late.remoteClosedAfterLocalClose();
    else this.channels.get(id)?.remoteClosed();
  }

  private onCloseError(id: number, error: unknown): void {
    const remote = error instanceof RemoteError ? error : new RemoteError('Error', String(error), '');
    this.dropHeld(id, new ChannelClosedError(`channel ${id} was closed by the other side before the item could be sent`));
    const late = this.takeClosedRunning(id);
    if (late) late.remoteClosedAfterLocalClose(remote);
    else this.channels.get(id)?.remoteClosed(remote);
  }

  private takeClosedRunning(id: number): Channel | undefined {
    const channel = this.closedRunning.get(id);
    if (channel) this.closedRunning.delete(id);
    return channel;
  }

  private onLastMessage(id: number): void {
    this.channels.get(id)?.remoteClosed(undefined, true);
  }

  /** CREDIT (§6.4): more window for this side's DATA on a channel; ignored for a channel it no longer knows. */
  private onCredit(id: number, payload: unknown): void {
    const grant = parseWindow(payload);
    if (!grant) {
      this.trySend(MessageType.ERROR, `CREDIT needs [items, bytes], got ${JSON.stringify(payload)?.slice(0, 100)}`);
      return;
    }
    if (!this.windows) return;
    const state = this.sendStates.get(id) ?? (this.channels.has(id) ? this.sendState(id) : undefined);
    if (!state) return;
    state.credit.grant(grant.items, grant.bytes);
    this.releaseHeld(id, state);
  }

  private onOutput(stream: 'stdout' | 'stderr', id: number, chunk: unknown): void {
    if (!(chunk instanceof Uint8Array)) {
      this.trySend(MessageType.ERROR, `${stream.toUpperCase()} needs bytes, got ${JSON.stringify(chunk)?.slice(0, 100)}`);
      return;
    }
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (stream === 'stderr') this.stderrTail = appendTail(this.stderrTail, bytes.toString('utf8'));
    this.notify(stream, bytes, id ? this.channels.get(id) : undefined);
  }

  /**
   * Emits an event to the user's listeners. A listener that throws does not stop the gateway reading
   * (its failure is its own): the error goes to the 'error' listeners, or, without one, to the process's
   * uncaught-exception path, as an EventEmitter's would.
   */
  private notify(event: string, ...args: unknown[]): void {
    try {
      this.emit(event, ...args);
    } catch (err) {
      if (event !== 'error' && this.listenerCount('error') > 0) this.notify('error', err);
      else
        setImmediate(() => {
          throw err;
        });
    }
  }

  private onLog(record: unknown): void {
    if (!record || typeof record !== 'object' || typeof (record as LogRecord).message !== 'string') {
      this.trySend(MessageType.ERROR, `LOG needs a log record map, got ${JSON.stringify(record)?.slice(0, 100)}`);
      return;
    }
    this.notify('log', record);
  }

  private onDisplay(id: number, payload: unknown): void {
    const display = payload as DisplayMessage | null;
    if (!display || typeof display !== 'object' || !display.data || typeof display.data !== 'object') {
      this.trySend(MessageType.ERROR, `DISPLAY needs a map with a "data" map, got ${JSON.stringify(payload)?.slice(0, 100)}`);
      return;
    }
    this.notify('display', display, id ? this.channels.get(id) : undefined);
  }

  /** INPUT: the handler's line goes back as REPLY; no handler, no line (null) or a failure is EOFError. */
  private onInput(id: number, payload: unknown): void {
    const p = (payload && typeof payload === 'object' ? payload : {}) as { prompt?: unknown; password?: unknown; channel?: unknown };
    const request: InputRequest = {
      prompt: typeof p.prompt === 'string' ? p.prompt : '',
      password: p.password === true,
      channel: typeof p.channel === 'number' && p.channel > 0 ? this.channels.get(p.channel) : undefined,
    };
    const eof = (why: string) => this.trySend(MessageType.REPLY_ERROR, new RemoteError('EOFError', why, ''), id);
    const handler = this.inputHandler;
    if (!handler) return eof('EOF when reading a line (nobody answers input on this gateway)');
    let answer: Promise<string | null>;
    try {
      answer = Promise.resolve(handler(request));
    } catch (err) {
      answer = Promise.reject(err);
    }
    answer.then(
      (line) => (typeof line === 'string' ? this.replyTo(id, line) : eof('EOF when reading a line')),
      (err) => eof(`EOF when reading a line (${err instanceof Error ? err.message : String(err)})`),
    );
  }

  private onError(message: unknown): void {
    this.notify('protocolError', `the agent reports: ${String(message)}`);
  }

  private onReply(id: number, value: unknown): void {
    this.requests.resolve(id, value);
  }

  private onReplyError(id: number, error: unknown): void {
    this.requests.reject(id, error instanceof RemoteError ? error : new RemoteError('Error', String(error), ''));
  }

  private onCallback(id: number, payload: unknown): void {
    const [fnId, args, kwargs] = payload as [number, unknown[], Record<string, unknown> | null];
    this.objectTable.callHostFunction(fnId, args ?? [], kwargs ?? {}).then(
      (value) => this.replyTo(id, value),
      (err) => this.trySend(MessageType.REPLY_ERROR, err instanceof Error ? err : new Error(String(err)), id),
    );
  }

  private onUnknown(type: number): void {
    this.trySend(MessageType.ERROR, `unknown message type ${type} (${MESSAGE_NAMES[type] ?? 'not in the protocol'})`);
  }

  private replyTo(id: number, value: unknown): void {
    try {
      this.send(MessageType.REPLY, id, value);
    } catch (err) {
      if (err instanceof EncodeError) this.trySend(MessageType.REPLY_ERROR, err, id);
    }
  }

  private trySend(type: MessageType, payload: unknown, id = 0): void {
    try {
      if (!this.closeError) this.send(type, id, payload);
    } catch {
      // The stream is gone; the close path reports what happened.
    }
  }

  private get receiveWindowSize(): WindowSize {
    return this.options.window ?? DEFAULT_WINDOW;
  }

  private channelFor(id: number): Channel {
    let channel = this.channels.get(id);
    if (!channel) {
      channel = new Channel(id, this, this.windows ? new ReceiveWindow(this.receiveWindowSize) : undefined);
      this.channels.set(id, channel);
      if (id % 2 === 0) this.notify('channel', channel);
    }
    return channel;
  }

  /**
   * The stream ended. The process is usually exiting at the same moment: wait a little for its exit code
   * and signal so the GatewayClosedError can name them, but never long.
   */
  private streamEnded(reason: string): void {
    if (this.closeError || this.streamEnding) return;
    this.streamEnding = true;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 300)));
    // When the exit comes first, the `exited` handler set up in the constructor has already closed the
    // gateway with it (it was registered first, so it runs first). The grace timer is cleared then: left
    // running, it would hold every CLI run open for its whole length after the agent is gone.
    void Promise.race([this.transport.exited, grace]).then((exit) => {
      clearTimeout(timer);
      if (!exit) this.shutdown(reason);
    });
  }

  /** Every pending thing rejects with GatewayClosedError at once; the transport is reaped. */
  private shutdown(reason: string, exit?: TransportExit): void {
    if (!this.closeError) {
      const code = exit?.code ?? null;
      const signal = exit?.signal ?? null;
      const tail = this.stderrTail.trim();
      const message = `gateway ${this.id} (${this.spec}) closed: ${reason}${tail ? `\n--- agent stderr (tail) ---\n${tail}` : ''}`;
      this.closeError = new GatewayClosedError(message, code, signal, tail);
      // A gateway that never finished its HELLO exchange failed to open; any other one closed.
      this.state = this.state === 'starting' ? 'failed' : 'closed';
      this.helloWaiter?.reject(this.closeError);
      this.helloWaiter = undefined;
      this.requests.closeAll(this.closeError);
      for (const id of Array.from(this.sendStates.keys())) this.dropHeld(id, this.closeError);
      for (const channel of Array.from(this.channels.values())) channel.gatewayClosed(this.closeError);
      this.channels.clear();
      for (const channel of this.closedRunning.values()) channel.gatewayClosed(this.closeError);
      this.closedRunning.clear();
      this.objectTable.gatewayClosed(this.closeError);
      this.writer.end();
    }
    if (exit && !this.exitReported) {
      this.exitReported = true;
      // The exit event waits for the process itself, so no caller sees 'exit' with the agent still alive.
      const final: GatewayExit = { ...exit, stderrTail: this.stderrTail.trim(), reason };
      this.resolveClosed(final);
      this.notify('exit', final);
    } else if (!exit) {
      // Reap the process or connection behind the stream even if it ignores the end of its input.
      const timer = setTimeout(() => this.transport.kill(), 2000);
      this.transport.exited.finally(() => clearTimeout(timer));
    }
  }
}

/** An OBJECT request's bad value named by the step it is an argument of, not by the envelope around it. */
function placeInSteps(why: string, payload: unknown): string {
  const steps = (payload as [unknown, ObjectStep[]])[1];
  return why.replace(/ at value\[1\]\[(\d+)\]\[(\d+)\](.*)$/, (_all, i: string, j: string, rest: string) => {
    const step = steps?.[Number(i)];
    const name = step?.[0] ?? 'step';
    const where = name === 'call' ? (j === '1' ? `args${rest}` : `kwargs${rest}`) : `${name}'s argument${rest}`;
    return ` at ${where} of a ${name} (step ${Number(i) + 1} of the request)`;
  });
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return 'a Buffer (decode it to a string first)';
  return typeof value === 'object' ? `an object (${Object.prototype.toString.call(value).slice(8, -1)})` : `a ${typeof value}`;
}

function windowPayload(size: WindowSize): [number, number] {
  return [size.items, size.bytes];
}

function appendTail(tail: string, more: string): string {
  const joined = tail + more;
  return joined.length > 4096 ? joined.slice(joined.length - 4096) : joined;
}

function describeExit(exit: TransportExit): string {
  if (exit.signal) return `the agent was killed by ${exit.signal}`;
  if (exit.code !== null) return `the agent exited with code ${exit.code}`;
  return 'the connection to the agent ended';
}
