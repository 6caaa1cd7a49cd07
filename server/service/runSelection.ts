import { RemoteError } from '../../protocol';
import type { ExecSelectionParams, ExecSelectionResult, ValueSummary } from '../../contract/service';
import type { ServiceEvents } from './events';
import type { ManagedGateway } from './managedGateway';
import { selection, statementAt } from './statements';
import { mapTraceback, rewriteTraceback } from './traceback';
import { summarize } from './values';

/** Interrupt types per language: a run ended by one of these was interrupted, not failed. */
const INTERRUPT_TYPES = new Set(['KeyboardInterrupt', 'builtins.KeyboardInterrupt', 'Interrupted', 'InterruptError']);

/**
 * Runs one selection, or the statement under the cursor, in the gateway's session namespace
 * (PROTOCOL.md §8): variables persist between runs, the value of a last expression comes back as
 * `{value}`, and a remote exception comes back with its traceback mapped onto the document lines the
 * code was sent from.
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
  const gateway = managed.open();
  const [startLine] = statement.range;
  const origin = { uri: params.uri, startLine };
  const { runId, sourceName } = managed.newRun(origin, params.runId);
  const channel = gateway.remoteExec(statement.source, { session: true, name: sourceName });
  const base = { gatewayId: managed.id, runId, uri: params.uri, startLine };
  managed.runStarted(runId, channel);
  events.runChanged({ ...base, phase: 'started', time: Date.now() });

  const received: unknown[] = [];
  let result: ExecSelectionResult;
  try {
    for await (const item of channel) {
      managed.itemReceived(channel);
      received.push(item);
    }
    result = { gatewayId: managed.id, runId, status: 'ok', range: statement.range, items: [] };
    const last = received[received.length - 1];
    if (isValueItem(last)) {
      received.pop();
      result.value = await describe(managed, last.value);
    }
    result.items = await Promise.all(received.map((item) => describe(managed, item)));
  } catch (err) {
    if (!(err instanceof RemoteError)) throw err;
    const interrupted = INTERRUPT_TYPES.has(err.remoteType);
    result = {
      gatewayId: managed.id,
      runId,
      status: interrupted ? 'interrupted' : 'error',
      range: statement.range,
      items: await Promise.all(received.map((item) => describe(managed, item))),
      error: {
        type: err.remoteType,
        message: err.remoteMessage,
        traceback: rewriteTraceback(err.remoteTraceback || `${err.remoteType}: ${err.remoteMessage}`, managed.originOf),
        frames: mapTraceback(err.remoteTraceback, managed.originOf),
        interrupted,
      },
    };
  } finally {
    managed.runFinished(runId, channel);
  }
  noteHolders(managed, result);
  events.runChanged({ ...base, phase: 'finished', status: result.status, time: Date.now() });
  return result;
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
