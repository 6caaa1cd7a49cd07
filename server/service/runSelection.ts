import { ChannelClosedError, RemoteError, type Channel } from '../../protocol';
import type { ExecError, ExecSelectionParams, ExecSelectionResult, RunEvent, TracebackFrame, ValueSummary } from '../../contract/service';
import type { ServiceEvents } from './events';
import type { ManagedGateway } from './managedGateway';
import { RunCancelled } from './runQueue';
import { selection, statementAt } from './statements';
import { mapTraceback, rewriteTraceback, tracebackStack } from './traceback';
import { summarize } from './values';

/** Interrupt types per language: a run ended by one of these was interrupted, not failed. */
const INTERRUPT_TYPES = new Set(['KeyboardInterrupt', 'builtins.KeyboardInterrupt', 'Interrupted', 'InterruptError']);

/**
 * Runs one selection, or the statement under the cursor, in the gateway's session namespace
 * (PROTOCOL.md §8): variables persist between runs, the value of a last expression comes back as
 * `{value}`, and a remote exception comes back with its traceback mapped onto the document lines the
 * code was sent from. Runs of one gateway execute one at a time in the order they were sent: a run
 * sent while another executes is queued (and may be cancelled before it starts).
 */
export async function runSelection(
  managed: ManagedGateway,
  params: ExecSelectionParams,
  events: ServiceEvents,
): Promise<ExecSelectionResult> {
  if (typeof params.source !== 'string') throw new TypeError(`execSelection needs the code as a string, not ${typeof params.source}`);
  const statement =
    params.cursorLine === undefined
      ? selection(params.source, params.startLine ?? 0)
      : await statementAt(managed, params.source, params.cursorLine);
  if (!statement) return { gatewayId: managed.id, runId: params.runId ?? '', status: 'skipped', items: [] };
  managed.open();
  const [startLine] = statement.range;
  const origin = { uri: params.uri, startLine };
  const { runId, sourceName } = managed.newRun(origin, params.runId);
  const base = { gatewayId: managed.id, runId, uri: params.uri, startLine };
  const finish = (result: ExecSelectionResult): ExecSelectionResult => {
    noteHolders(managed, result);
    events.runChanged({ ...base, phase: 'finished', status: result.status, result, time: Date.now() });
    return result;
  };
  const queued: RunEvent = {
    ...base,
    phase: 'queued',
    range: statement.range,
    source: statement.source,
    language: managed.language,
    time: Date.now(),
  };
  if (params.label) queued.label = params.label;
  events.runChanged(queued);

  const turn = managed.queue.enter(runId);
  if (managed.queue.running !== runId) managed.runQueued();
  try {
    await turn;
  } catch (err) {
    if (!(err instanceof RunCancelled)) throw err;
    managed.runQueued();
    return finish({ gatewayId: managed.id, runId, status: 'cancelled', range: statement.range, items: [] });
  }

  let channel: Channel | undefined;
  try {
    const gateway = managed.open();
    const display = params.pixelRatio ? { pixelRatio: params.pixelRatio } : undefined;
    channel = gateway.remoteExec(statement.source, { session: true, name: sourceName, display });
    managed.runStarted(runId, channel);
    const started = Date.now();
    events.runChanged({ ...base, phase: 'started', time: started });
    const result = await collect(managed, channel, runId, statement.range);
    result.elapsedMs = Date.now() - started;
    return finish(result);
  } catch (err) {
    // The gateway closed under the run (or would not take it): the run failed, and says why.
    const message = err instanceof Error ? err.message : String(err);
    const error: ExecError = {
      type: err instanceof Error ? err.name : 'Error',
      message,
      traceback: message,
      frames: [],
      interrupted: false,
    };
    return finish({ gatewayId: managed.id, runId, status: 'error', range: statement.range, items: [], error });
  } finally {
    if (channel) managed.runFinished(runId, channel);
    managed.queue.leave(runId);
  }
}

/** The run's items and its end: its value, or the error it raised (also when this side closed its channel first). */
async function collect(managed: ManagedGateway, channel: Channel, runId: string, range: [number, number]): Promise<ExecSelectionResult> {
  const received: unknown[] = [];
  let failure: RemoteError | undefined;
  try {
    for await (const item of channel) {
      managed.itemReceived(channel);
      received.push(item);
    }
  } catch (err) {
    if (!(err instanceof RemoteError)) throw err;
    failure = err;
  }
  if (!failure && channel.isClosed() && !channel.remoteEnded) {
    // Closed here (Close Channel) while the code ran: its outcome is how the code itself ended.
    const end = await channel.whenRemoteEnds();
    if (end instanceof RemoteError) failure = end;
    else if (end && !(end instanceof ChannelClosedError)) throw end;
  }
  if (failure) {
    const interrupted = INTERRUPT_TYPES.has(failure.remoteType);
    return {
      gatewayId: managed.id,
      runId,
      status: interrupted ? 'interrupted' : 'error',
      range,
      items: await Promise.all(received.map((item) => describe(managed, item))),
      error: execError(managed, failure, interrupted),
    };
  }
  const result: ExecSelectionResult = { gatewayId: managed.id, runId, status: 'ok', range, items: [] };
  const last = received[received.length - 1];
  if (isValueItem(last)) {
    received.pop();
    // Python's None is what a REPL prints nothing for (a print() call, an assignment through a function).
    if (!(last.value === null && managed.language === 'python')) result.value = await describe(managed, last.value);
  }
  result.items = await Promise.all(received.map((item) => describe(managed, item)));
  return result;
}

function execError(managed: ManagedGateway, err: RemoteError, interrupted: boolean): ExecError {
  const raw = err.remoteTraceback || `${err.remoteType}: ${err.remoteMessage}`;
  const traceback = rewriteTraceback(raw, managed.originOf);
  // A frame's text is its line as the user sees it: the document's name, never the run's.
  const lines = traceback.split('\n');
  const shown = (frames: TracebackFrame[]) =>
    frames.map((f) => (f.tracebackLine !== undefined && lines[f.tracebackLine] ? { ...f, text: lines[f.tracebackLine].trim() } : f));
  return {
    type: err.remoteType,
    message: err.remoteMessage,
    traceback,
    frames: shown(mapTraceback(raw, managed.originOf)),
    stack: shown(tracebackStack(raw, managed)),
    interrupted,
  };
}

function isValueItem(item: unknown): item is { value: unknown } {
  return (
    typeof item === 'object' &&
    item !== null &&
    Object.getPrototypeOf(item) === Object.prototype &&
    Object.keys(item).length === 1 &&
    'value' in item
  );
}

/** A summary of a received value; a reference gets its remote repr fetched once. */
async function describe(managed: ManagedGateway, value: unknown): Promise<ValueSummary> {
  const summary = summarize(value, managed.language, managed);
  if (summary.objectId !== undefined && managed.reprOf(summary.objectId) === undefined) {
    try {
      const repr = (await managed.open().objectRequest(summary.objectId, [['repr']], 'value')) as string;
      managed.rememberRepr(summary.objectId, repr);
      summary.repr = repr;
    } catch {
      // The summary's placeholder repr stands.
    }
  }
  return summary;
}

/** Names, in the Objects list, the run whose value or items hold remote objects. */
function noteHolders(managed: ManagedGateway, result: ExecSelectionResult): void {
  if (result.value?.objectId !== undefined) managed.noteHolder(result.value.objectId, `the value of run ${result.runId}`);
  result.items.forEach((item, i) => {
    if (item.objectId !== undefined) managed.noteHolder(item.objectId, `item ${i + 1} sent by run ${result.runId}`);
  });
}
