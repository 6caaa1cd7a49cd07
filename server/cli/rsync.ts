import { RSync, type RSyncTargetStats } from '../rsync/rsync';
import { openGateway } from './openGateway';
import { parseCommand } from './options';

export const HELP = `usage: remote-exec rsync SRC [--spec XSPEC] DEST [--delete] [--verbose] [--json]

Copies the directory SRC to DEST on the gateway (default: a local Python; DEST is relative to the remote
working directory, "~" is expanded there). Only what changed crosses the wire: files of the same size and
mtime are skipped, files of the same size are compared by checksum, the rest is streamed in chunks.
Symlinks and file modes are kept. --delete removes remote entries that SRC does not have.`;

export async function commandRsync(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    delete: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 2) {
    process.stderr.write(`${HELP}\n`);
    return 2;
  }
  const [source, dest] = positionals;
  const gateway = await openGateway(values.spec);
  try {
    const rsync = new RSync(source, { verbose: values.verbose === true });
    rsync.addTarget(gateway, dest, { delete: values.delete });
    const result = await rsync.send();
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else for (const target of result.targets) process.stdout.write(formatStats(source, values.spec, target) + '\n');
  } finally {
    await gateway.exit();
  }
  return 0;
}

export function formatStats(source: string, spec: string, s: RSyncTargetStats): string {
  const parts = [
    `${s.filesSent} file${s.filesSent === 1 ? '' : 's'} sent (${formatBytes(s.bytesSent)})`,
    `${s.filesSkipped} unchanged`,
    `${s.deleted} deleted`,
  ];
  if (s.linksSent) parts.push(`${s.linksSent} symlink${s.linksSent === 1 ? '' : 's'}`);
  if (s.dirsCreated) parts.push(`${s.dirsCreated} director${s.dirsCreated === 1 ? 'y' : 'ies'} created`);
  return `${source} -> ${spec}:${s.dest}: ${parts.join(', ')}`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
