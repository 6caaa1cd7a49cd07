import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isLoopback, startSocketServer } from '../socket/socketServer';
import { expandHome, readTokenFile, TOKEN_ENV } from '../socket/auth';
import { splitCommandLine } from '../gateway/xspec';
import { findOnPath } from '../transports/findOnPath';
import { parseCommand } from './options';

export const HELP = `usage: remote-exec serve [--listen HOST:PORT] [--token-file FILE | --token T] [--python ARGV] [--node ARGV]

Runs a socket agent server (execnet's socketserver, authenticated). Every connection must pass a
challenge-response proving it holds the token (the token never crosses the wire); only then is a fresh
agent started for it. Clients connect with --spec "socket=HOST:PORT//token-file=FILE".

  --listen HOST:PORT   where to listen (default 127.0.0.1:8888; port 0 picks a free one)
  --token-file FILE    the shared token; created with a random token (mode 600) if missing
  --token T            the token itself (visible to other local users in ps; prefer a file or $${TOKEN_ENV})
  --python ARGV        the Python interpreter started for clients (default python3)
  --node ARGV          the Node interpreter started for clients (default node)

Without a token, serve makes a random one in a private file and prints its path; it refuses to listen
beyond loopback unless given a token.`;

export async function commandServe(argv: string[]): Promise<number> {
  const { values } = parseCommand(
    argv,
    {
      listen: { type: 'string', default: '127.0.0.1:8888' },
      'token-file': { type: 'string' },
      token: { type: 'string' },
      python: { type: 'string' },
      node: { type: 'string' },
    },
    false,
  );
  const m = /^(.+):(\d+)$/.exec(values.listen);
  if (!m || Number(m[2]) > 65535) {
    process.stderr.write(`remote-exec serve: --listen needs HOST:PORT with a port from 0 to 65535, not ${JSON.stringify(values.listen)}\n`);
    return 2;
  }
  const host = m[1].replace(/^\[(.*)\]$/, '$1');
  const port = Number(m[2]);
  const interpreters = {
    python: values.python ? splitCommandLine(values.python, '--python') : undefined,
    node: values.node ? splitCommandLine(values.node, '--node') : undefined,
  };
  for (const [option, argv] of Object.entries(interpreters))
    if (argv && !findOnPath(argv[0])) {
      process.stderr.write(`remote-exec serve: --${option} ${argv[0]}: no such interpreter on this machine (not found on PATH)\n`);
      return 2;
    }
  let token = values.token ?? process.env[TOKEN_ENV]?.trim();
  let tokenFile = values['token-file'] ? expandHome(values['token-file']) : undefined;
  if (!token && tokenFile && fs.existsSync(tokenFile)) token = readExistingTokenFile(tokenFile);
  if (!token && !tokenFile && !isLoopback(host)) {
    process.stderr.write(
      `remote-exec serve: refusing to listen on ${host} without a token; give --token-file FILE (or --token, or $${TOKEN_ENV})\n`,
    );
    return 2;
  }
  // Nothing is written before the server listens: a bad port or an address in use leaves no file behind.
  const newToken = token ? undefined : crypto.randomBytes(32).toString('hex');
  let server;
  try {
    server = await startSocketServer({ host, port, token: token ?? newToken!, interpreters });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL' && code !== 'EACCES') throw err;
    const why =
      code === 'EADDRINUSE'
        ? 'another program listens there; pick another port (0 picks a free one)'
        : code === 'EACCES'
          ? 'ports below 1024 need privileges; pick a higher one'
          : `${host} is not an address of this machine`;
    process.stderr.write(`remote-exec serve: cannot listen on ${host}:${port}: ${why}\n`);
    return 2;
  }
  let tempDir: string | undefined;
  if (newToken) {
    if (!tokenFile) tokenFile = path.join((tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-exec-serve-'))), 'token');
    fs.writeFileSync(tokenFile, newToken + '\n', { mode: 0o600, flag: 'wx' });
    process.stderr.write(`remote-exec serve: wrote a new token to ${tokenFile}\n`);
  }
  const where = `${host.includes(':') ? `[${host}]` : host}:${server.port}`;
  const spec = `socket=${where}${tokenFile ? `//token-file=${tokenFile}` : ''}`;
  process.stdout.write(
    `remote-exec serve: listening on ${where}; connect with --spec '${spec}'${tokenFile ? '' : ` and ${TOKEN_ENV} set`}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  // The token of this run only: a file the user named stays for the next run.
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
  return 0;
}

function readExistingTokenFile(file: string): string {
  if ((fs.statSync(file).mode & 0o077) !== 0) {
    process.stderr.write(`remote-exec serve: warning: ${file} is readable by other users (chmod 600 it)\n`);
  }
  return readTokenFile(file);
}
