import * as vscode from 'vscode';
import { readFile } from '../contract/service';
import type { Ctx } from './ctx';

export const REMOTE_FILE_SCHEME = 'remote-exec-file';

/**
 * Files of a gateway's host that a traceback names (a library on an SSH host, in a container), opened
 * read-only as `remote-exec-file://GATEWAY/path`: their text is read through the gateway's agent.
 */
export function registerRemoteFiles(ctx: Ctx): void {
  ctx.push(
    vscode.workspace.registerTextDocumentContentProvider(REMOTE_FILE_SCHEME, {
      provideTextDocumentContent: async (uri) => {
        const gatewayId = decodeURIComponent(uri.authority);
        try {
          return await ctx.request(readFile, { gatewayId, path: uri.path });
        } catch (err) {
          throw new Error(`${uri.path} on gateway ${gatewayId}: ${err instanceof Error ? err.message : String(err)}`);
        }
      },
    }),
  );
}
