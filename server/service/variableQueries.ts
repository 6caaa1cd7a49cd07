import type { ChildKey, ObjectStep, TableOptions } from '../../protocol';
import type {
  CompleteParams,
  CompletionEntry,
  HoverParams,
  TablePage,
  TablePageParams,
  VariableDescription,
  VariableRef,
  VariablesPage,
  VariablesParams,
} from '../../contract/service';
import type { ManagedGateway } from './managedGateway';

/**
 * A hover or a completion waits this long for the agent at most, then answers nothing: typing must never
 * wait for a remote interpreter (an idle agent answers in well under a millisecond).
 */
export const QUICK_ANSWER_MS = 300;

/** The steps that walk a path of child keys from the session namespace (PROTOCOL.md §7.6). */
function walk(path: ChildKey[] | undefined): ObjectStep[] {
  if (path !== undefined && !Array.isArray(path)) throw new TypeError('a variable path is an array of child keys');
  return (path ?? []).map((key) => ['child', key] as ObjectStep);
}

/** The gateway, if its agent answers object requests at all (a REPL gateway has no variables). */
function withVariables(managed: ManagedGateway) {
  const gateway = managed.open();
  if (!gateway.info.capabilities.includes('objects'))
    throw new Error(`gateway ${managed.id} (${managed.spec}) runs code without an agent: it has no variables to show`);
  return gateway;
}

/** One page of a variable's children, or of the session's variables (an empty path). */
export async function listVariables(managed: ManagedGateway, params: VariablesParams): Promise<VariablesPage> {
  const f = params.filter ?? {};
  const options = {
    offset: params.offset,
    limit: params.limit,
    filter: f.text || undefined,
    private: f.private,
    functions: f.functions,
    classes: f.classes,
    modules: f.modules,
    sort: f.sort,
    descending: f.descending,
  };
  const page = (await withVariables(managed).objectRequest(params.objectId ?? null, [
    ...walk(params.path),
    ['children', options],
  ])) as VariablesPage;
  return { kind: page.kind, total: page.total, hidden: page.hidden, offset: page.offset, rows: page.rows };
}

export async function describeVariable(managed: ManagedGateway, params: VariableRef): Promise<VariableDescription> {
  return (await withVariables(managed).objectRequest(params.objectId ?? null, [...walk(params.path), ['describe']])) as VariableDescription;
}

export async function tablePage(managed: ManagedGateway, params: TablePageParams): Promise<TablePage> {
  const options: TableOptions = {
    offset: params.offset,
    limit: params.limit,
    columnOffset: params.columnOffset,
    columnLimit: params.columnLimit,
    sort: params.sort ?? null,
    filters: params.filters ?? [],
  };
  const page = (await withVariables(managed).objectRequest(params.objectId ?? null, [...walk(params.path), ['table', options]])) as {
    rows: number;
    unfiltered: number;
    columnCount: number;
    offset: number;
    columnOffset: number;
    index: [string, string];
    columns: [string, string, boolean][];
    labels: string[];
    cells: string[][];
  };
  return {
    rows: page.rows,
    unfiltered: page.unfiltered,
    columnCount: page.columnCount,
    offset: page.offset,
    columnOffset: page.columnOffset,
    index: { name: page.index[0], dtype: page.index[1], numeric: /^(u?int|float|number)/.test(page.index[1]) },
    columns: page.columns.map(([name, dtype, numeric]) => ({ name, dtype, numeric })),
    labels: page.labels,
    cells: page.cells,
  };
}

/** The live value of a dotted name, or null when it cannot be had at once (§ hover in contract/service.ts). */
export async function hover(managed: ManagedGateway, params: HoverParams): Promise<VariableDescription | null> {
  const names = dottedNames(params.expression);
  if (!names) return null;
  const steps: ObjectStep[] = names.map((name) => ['child', ['a', name]]);
  return quickly(managed, null, (gateway) => gateway.objectRequest(null, [...steps, ['describe']]) as Promise<VariableDescription>);
}

/** Attribute names of the object a dotted name holds (the session's names for `[]`), or none at once. */
export async function complete(managed: ManagedGateway, params: CompleteParams): Promise<CompletionEntry[]> {
  const names = params.expression.length === 0 ? [] : dottedNames(params.expression);
  if (!names || typeof params.prefix !== 'string') return [];
  const steps: ObjectStep[] = names.map((name) => ['child', ['a', name]]);
  const entries = await quickly(
    managed,
    [] as [string, string, string][],
    (gateway) => gateway.objectRequest(null, [...steps, ['complete', params.prefix, 500]]) as Promise<[string, string, string][]>,
  );
  return entries.map(([name, kind, type]) => ({ name, kind: kind as CompletionEntry['kind'], type }));
}

function dottedNames(expression: unknown): string[] | undefined {
  return Array.isArray(expression) && expression.length > 0 && expression.every((n) => typeof n === 'string' && n !== '')
    ? (expression as string[])
    : undefined;
}

/**
 * Asks only an idle agent (a hover must not read objects a run is changing, nor queue behind it) and
 * answers `fallback` when the agent fails (an undefined name) or takes longer than QUICK_ANSWER_MS.
 */
async function quickly<T>(
  managed: ManagedGateway,
  fallback: T,
  ask: (gateway: ReturnType<ManagedGateway['open']>) => Promise<T>,
): Promise<T> {
  if (!managed.isOpen() || managed.running.size > 0) return fallback;
  const gateway = managed.gateway!;
  if (!gateway.info.capabilities.includes('objects')) return fallback;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), QUICK_ANSWER_MS)));
  try {
    return await Promise.race([ask(gateway).catch(() => fallback), late]);
  } finally {
    clearTimeout(timer);
  }
}
