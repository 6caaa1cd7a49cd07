import type { ObjectStep } from '../../protocol';
import type { ManagedGateway } from './managedGateway';

/** How each agent language reads a text file of its host through OBJECT steps (§7.1). */
const READ_STEPS: Record<string, (path: string) => ObjectStep[]> = {
  // linecache: the file as the traceback saw it, and the source of session runs too.
  python: (path) => [
    ['import', 'linecache'],
    ['getattr', 'getlines'],
    ['call', [path], {}],
  ],
  node: (path) => [
    ['import', 'fs'],
    ['getattr', 'readFileSync'],
    ['call', [path, 'utf8'], {}],
  ],
};

/** The text of a file on the gateway's host (a library frame of a traceback there), read by its agent. */
export async function readRemoteFile(managed: ManagedGateway, path: string): Promise<string> {
  const steps = READ_STEPS[managed.language];
  if (!steps) throw new Error(`gateway ${managed.id} (${managed.language}) cannot read files of its host`);
  const text = await managed.open().objectRequest(null, steps(path), 'value');
  if (Array.isArray(text)) {
    if (text.length === 0) throw new Error(`${path} cannot be read on gateway ${managed.id}`);
    return text.join('');
  }
  return String(text);
}
