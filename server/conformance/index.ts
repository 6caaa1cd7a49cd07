// The conformance suite of PROTOCOL.md: named checks run against any agent, by command or by xspec.
export { CheckFailure, CheckSkipped, type Check, type CheckContext } from './check';
export { CHECKS } from './checks';
export { formatHeader, formatResult, formatSummary } from './report';
export { runConformance, type CheckResult, type ConformanceReport, type Outcome, type RunOptions } from './runner';
export { SNIPPETS, type Snippets } from './snippets';
export { commandTarget, specTarget, type AgentTarget } from './target';
