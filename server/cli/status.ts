import { openGateway } from './openGateway';
import { parseCommand } from './options';

export const HELP = `usage: remote-exec status [--spec XSPEC] [--json]

Opens a gateway and prints what its agent says of itself (language, version, pid, cwd) and its remote
status: execnet's numexecuting, numchannels, execqsize, the exported objects, uptime and counters.`;

export async function commandStatus(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, { json: { type: 'boolean' } }, false);
  const gateway = await openGateway(values.spec);
  try {
    const status = await gateway.remoteStatus();
    const report = { id: gateway.id, spec: gateway.spec, ...gateway.info, status };
    if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else {
      const rows: [string, unknown][] = [
        ['gateway', `${gateway.id} (${gateway.spec})`],
        [
          'language',
          `${gateway.info.language} ${gateway.info.version}${gateway.info.implementation ? ` (${gateway.info.implementation})` : ''}`,
        ],
        ['executable', gateway.info.executable],
        ['pid', gateway.info.pid],
        ['cwd', gateway.info.cwd],
        // STATUS repeats the pid HELLO gave; one line of it is enough.
        ...Object.entries(status).filter(([k]) => k !== 'pid'),
      ];
      for (const [k, v] of rows)
        process.stdout.write(`${k.padEnd(14)} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v)}\n`);
    }
  } finally {
    await gateway.exit();
  }
  return 0;
}
