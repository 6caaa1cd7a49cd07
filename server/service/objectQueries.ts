import type { ObjectStep } from '../../protocol';
import type { InspectParams, InspectResult, ObjectSummary } from '../../contract/service';
import type { ManagedGateway } from './managedGateway';

/**
 * The agent's exported objects by id (`gateway.objects()`), each with who keeps it exported; their reprs
 * are remembered for summaries.
 */
export async function listObjects(managed: ManagedGateway): Promise<ObjectSummary[]> {
  const list = await managed.open().objects();
  return list.map(([id, type, repr]) => {
    managed.rememberRepr(id, repr);
    return { id, type, repr, ...managed.holderOf(id) };
  });
}

/** One page of an object's attributes, after following `path` from it by attribute reads. */
export async function inspectObject(managed: ManagedGateway, params: InspectParams): Promise<InspectResult> {
  const steps: ObjectStep[] = (params.path ?? []).map((name) => ['getattr', name] as ObjectStep);
  steps.push(['inspect', params.offset, params.limit]);
  const result = (await managed.open().objectRequest(params.objectId, steps, 'value')) as {
    id: number;
    type: string;
    repr: string;
    len?: number;
    callable: boolean;
    attrs: [string, string, string][];
    total: number;
  };
  return {
    id: result.id,
    type: result.type,
    repr: result.repr,
    len: result.len,
    callable: result.callable,
    attrs: (result.attrs ?? []).map(([name, type, repr]) => ({ name, type, repr })),
    offset: params.offset,
    total: result.total,
  };
}

export async function reprOf(managed: ManagedGateway, objectId: number, path: string[] = []): Promise<string> {
  const steps: ObjectStep[] = path.map((name) => ['getattr', name] as ObjectStep);
  steps.push(['repr']);
  return (await managed.open().objectRequest(objectId, steps, 'value')) as string;
}
