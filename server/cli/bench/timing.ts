/**
 * How the bench times a latency, ours and every peer's alike (the peers' drivers in peers/ follow the
 * same rule in their own language). Round trips on this kind of machine speed up over the first few
 * hundred milliseconds of traffic, for a bare pipe as much as for a gateway: the scheduler and the
 * hypervisor adapt to frequent wake-ups. A figure taken from a cold start says more about what ran
 * before it than about the code measured, so each one is taken after the same warm-up.
 */
const WARMUP_MS = 400;
const WARMUP_MIN = 200;

/** Microseconds per `op`, timed over `count` runs after WARMUP_MS (and at least WARMUP_MIN runs) of warm-up. */
export async function perOpUs(op: () => unknown, count: number): Promise<number> {
  await warmUp(op);
  const t = now();
  for (let i = 0; i < count; i++) await op();
  return ((now() - t) / count) * 1000;
}

/** Runs `op` for WARMUP_MS, and at least WARMUP_MIN times. */
export async function warmUp(op: () => unknown): Promise<void> {
  const end = now() + WARMUP_MS;
  for (let i = 0; i < WARMUP_MIN || now() < end; i++) await op();
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
