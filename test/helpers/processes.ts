import * as fs from 'fs';

/** True while a process with this pid exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Resolves once `pid` is gone; rejects after `timeoutMs` so a leak fails the test instead of hanging it. */
export async function waitGone(pid: number, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > until) throw new Error(`process ${pid} still alive after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resident memory of a process in bytes. */
export function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

/** Peak resident memory (VmHWM) of a process, or of this one, in bytes. */
export function peakRss(pid: number | 'self' = 'self'): number {
  return Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

/**
 * Resolves once every thread of `pid` is stopped (after SIGSTOP): the signal is queued at once but lands
 * in each thread a moment later, and a thread still running could answer what is sent meanwhile.
 */
export async function waitStopped(pid: number, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  const stopped = () =>
    fs.readdirSync(`/proc/${pid}/task`).every((tid) => /^\d+ \(.*\) [Tt]/.test(fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')));
  while (!stopped()) {
    if (Date.now() > until) throw new Error(`process ${pid} not stopped after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
