import type { CheckResult, ConformanceReport } from './runner';

const MARKS = { passed: '✓', failed: '✗', skipped: '–' } as const;

/** One line per check: mark, name, duration; the reason indented below a failure, beside a skip. */
export function formatResult(result: CheckResult): string {
  const mark = MARKS[result.outcome];
  if (result.outcome === 'skipped') return `${mark} ${result.name} (skipped: ${result.reason})`;
  const line = `${mark} ${result.name} (${result.ms} ms)`;
  return result.outcome === 'failed' ? `${line}\n    ${(result.reason ?? '').replace(/\n/g, '\n    ')}` : line;
}

export function formatHeader(report: Pick<ConformanceReport, 'target' | 'agent'>): string {
  const a = report.agent;
  return a
    ? `conformance of ${report.target}: ${a.language} ${a.version} (pid ${a.pid}, capabilities ${JSON.stringify(a.capabilities)})`
    : `conformance of ${report.target}`;
}

export function formatSummary(report: ConformanceReport): string {
  return `${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`;
}
