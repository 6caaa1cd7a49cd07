import { parseArgs } from 'util';
import { commandTarget, formatHeader, formatResult, formatSummary, runConformance, specTarget, type AgentTarget } from '../conformance';

export const HELP = `usage: remote-exec conformance (--agent CMD | --spec XSPEC) [--json] [--grep PATTERN] [--timeout MS] [--step-timeout MS]

Runs the protocol conformance suite (protocol/PROTOCOL.md) against one agent and prints one line per
check: ✓ passed, ✗ failed (with expected vs got), – skipped. Exits 0 only when no check failed.

  --agent CMD      a command that speaks the protocol on its stdio from its first byte
                   (e.g. 'python3 my_agent.py'); no bootstrap is sent
  --spec XSPEC     a shipped agent through a transport, e.g. popen or popen//node=node
  --json           print the report as JSON instead
  --grep PATTERN   run only the checks whose name matches PATTERN (a regular expression)
  --timeout MS     bound of one whole check (default 3 × the step timeout)
  --step-timeout MS  how long one step of a check waits for the agent (default 5000)`;

export async function commandConformance(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      agent: { type: 'string' },
      spec: { type: 'string' },
      json: { type: 'boolean' },
      grep: { type: 'string' },
      timeout: { type: 'string' },
      'step-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
    strict: true,
  });
  if ((values.agent === undefined) === (values.spec === undefined)) {
    process.stderr.write(`remote-exec conformance: give one of --agent CMD or --spec XSPEC\n\n${HELP}\n`);
    return 2;
  }
  const target: AgentTarget = values.agent !== undefined ? commandTarget(values.agent) : specTarget(values.spec!);
  const json = values.json === true;
  const print = (line: string) => process.stdout.write(line + '\n');
  const report = await runConformance(target, {
    filter: values.grep ? new RegExp(values.grep) : undefined,
    checkTimeoutMs: values.timeout ? Number(values.timeout) : undefined,
    stepTimeoutMs: values['step-timeout'] ? Number(values['step-timeout']) : undefined,
    onAgent: json ? undefined : (agent) => print(formatHeader({ target: target.description, agent })),
    onResult: json ? undefined : (result) => print(formatResult(result)),
  });
  if (json) print(JSON.stringify(report, null, 2));
  else {
    if (!report.agent) print(formatHeader(report));
    print(formatSummary(report));
  }
  return report.failed === 0 ? 0 : 1;
}
