import assert from 'node:assert/strict';

/**
 * Polls `probe` until it returns a truthy value: UI state arrives through notifications and renders,
 * not at once. The failure says what was awaited and the last value or error seen.
 */
export async function eventually<T>(what: string, probe: () => Promise<T> | T, timeoutMs = 30000): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  let error: unknown;
  while (Date.now() < until) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (err) {
      error = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new assert.AssertionError({
    message: `${what}: not so within ${timeoutMs} ms (last: ${JSON.stringify(last)}${error ? `, error: ${String(error)}` : ''})`,
  });
}
