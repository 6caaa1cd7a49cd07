import { ChannelClosedError, RemoteError, type Channel, type Gateway } from '../../../protocol';
import { CheckSkipped, fail, show, type CheckContext } from '../check';
import type { Snippets } from '../snippets';

/** How long one step of a check waits for the agent before the check fails. */
export const limits = { stepMs: 5000 };

export function snippetsOf(ctx: CheckContext): Snippets {
  if (!ctx.snippets) throw new CheckSkipped(`no snippets for language ${JSON.stringify(ctx.info.language)}`);
  return ctx.snippets;
}

export function optionalSnippet(ctx: CheckContext, key: 'dropChannel' | 'log'): string {
  const source = snippetsOf(ctx)[key];
  if (!source) throw new CheckSkipped(`no '${key}' snippet for language ${JSON.stringify(ctx.info.language)}`);
  return source;
}

/** The next item on a channel, or a failure that says what came instead. */
export async function receive(channel: Channel, what: string, timeoutMs = limits.stepMs): Promise<unknown> {
  try {
    return await channel.receive(timeoutMs);
  } catch (err) {
    fail(what, `an item within ${timeoutMs} ms`, describeError(err));
  }
}

/** Waits for the remote end to close; fails if it closes with an error or not at all. */
export async function closedCleanly(channel: Channel, what: string, timeoutMs = limits.stepMs): Promise<void> {
  try {
    await channel.waitClose(timeoutMs);
  } catch (err) {
    fail(what, `CLOSE within ${timeoutMs} ms`, describeError(err));
  }
}

/** Waits for the remote end to close with an error, and returns it. */
export async function closedWithError(channel: Channel, what: string, timeoutMs = limits.stepMs): Promise<RemoteError> {
  try {
    await channel.waitClose(timeoutMs);
  } catch (err) {
    if (err instanceof RemoteError) return err;
    fail(what, `CLOSE_ERROR within ${timeoutMs} ms`, describeError(err));
  }
  fail(what, 'CLOSE_ERROR', 'CLOSE without an error');
}

/** Receiving past the last item reports the end of the channel. */
export async function expectEnd(channel: Channel, what: string, timeoutMs = limits.stepMs): Promise<void> {
  try {
    const item = await channel.receive(timeoutMs);
    fail(what, 'end of channel', `one more item ${show(item)}`);
  } catch (err) {
    if (err instanceof ChannelClosedError) return;
    if (err instanceof Error && err.name === 'CheckFailure') throw err;
    fail(what, 'end of channel', describeError(err));
  }
}

export function describeError(err: unknown): string {
  if (err instanceof RemoteError) return `RemoteError ${err.remoteType}: ${JSON.stringify(err.remoteMessage)}`;
  if (err instanceof Error) return `${err.name}: ${err.message.split('\n')[0]}`;
  return show(err);
}

/** The result of an OBJECT request, or a failure naming the remote error. */
export async function request(
  gateway: Gateway,
  what: string,
  target: number | null,
  steps: Parameters<Gateway['objectRequest']>[1],
  returnType: 'auto' | 'value' | 'proxy' = 'auto',
): Promise<unknown> {
  try {
    return await withTimeout(gateway.objectRequest(target, steps, returnType), limits.stepMs, what);
  } catch (err) {
    if (err instanceof Error && err.name === 'CheckFailure') throw err;
    fail(what, 'REPLY', describeError(err));
  }
}

/** Bounds one promise; a late agent fails the check with `what`. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      try {
        fail(what, `an answer within ${timeoutMs} ms`, 'no answer');
      } catch (err) {
        reject(err);
      }
    }, timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The id behind a proxy the gateway handed out. */
export function refId(gateway: Gateway, value: unknown, what: string): number {
  const ref =
    typeof value === 'function' || (typeof value === 'object' && value !== null) ? gateway.objectTable.refOf(value as object) : undefined;
  if (!ref) fail(what, 'an object reference (ext 1)', show(value));
  return ref.id;
}
