import * as fs from 'fs';
import { RemoteError } from '../../protocol';
import { makeGateway } from '../gateway/makeGateway';
import { formatItem, streamGatewayOutput } from './output';
import { parseCommand } from './options';

const HELP = `usage: remote-exec exec [--spec XSPEC] (-c CODE | FILE | -)

Runs code on a fresh gateway (default: a local Python) with execnet's \`channel\` in scope, streams the
remote output live, prints every value the code sends on the channel, and exits 1 with the remote
traceback if the code raises.`;

export async function commandExec(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { code: { type: 'string', short: 'c' } });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  let source: string;
  if (values.code !== undefined) source = values.code;
  else if (positionals.length === 1) source = fs.readFileSync(positionals[0] === '-' ? 0 : positionals[0], 'utf8');
  else {
    process.stderr.write(`${HELP}\n`);
    return 2;
  }
  const gateway = await makeGateway(values.spec);
  streamGatewayOutput(gateway);
  const channel = gateway.remoteExec(source);
  let status = 0;
  try {
    for await (const item of channel) process.stdout.write(formatItem(item) + '\n');
  } catch (err) {
    status = 1;
    if (err instanceof RemoteError)
      process.stderr.write(`${err.remoteTraceback || `${err.remoteType}: ${err.remoteMessage}`}`.replace(/\n?$/, '\n'));
    else process.stderr.write(`remote-exec: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  await gateway.exit();
  return status;
}
