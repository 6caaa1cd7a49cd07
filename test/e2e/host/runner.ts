type TestFn = () => Promise<void> | void;
const tests: { name: string; fn: TestFn }[] = [];

/** Registers a test of the in-host suite; they run in order, as one user session would. */
export function test(name: string, fn: TestFn): void {
  tests.push({ name, fn });
}

/** Runs every registered test; rejects (exit code 1 for the workbench) if any failed. */
export async function runAll(): Promise<void> {
  let failed = 0;
  for (const t of tests) {
    const started = Date.now();
    try {
      await t.fn();
      console.log(`  ✔ ${t.name} (${Date.now() - started} ms)`);
    } catch (err) {
      failed++;
      console.log(`  ✖ ${t.name}\n${err instanceof Error ? err.stack : String(err)}`);
    }
  }
  console.log(`${tests.length - failed} passed, ${failed} failed`);
  if (failed) throw new Error(`${failed} of ${tests.length} extension host tests failed`);
}
