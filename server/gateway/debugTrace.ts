import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { inspect } from 'util';
import { MESSAGE_NAMES, type Message } from '../../protocol/messages';

/**
 * REMOTE_EXEC_DEBUG=1 writes a protocol trace of this process to `remote-exec-debug-<pid>` in the temp
 * folder (execnet's EXECNET_DEBUG); =2 writes it to stderr. Agents read the same variable.
 */
export function protocolTracer(
  gatewayId: string,
  env: NodeJS.ProcessEnv = process.env,
): ((dir: 'in' | 'out', m: Message) => void) | undefined {
  const level = env.REMOTE_EXEC_DEBUG;
  if (!level || level === '0') return undefined;
  const write =
    level === '2'
      ? (line: string) => process.stderr.write(line)
      : (() => {
          const file = path.join(os.tmpdir(), `remote-exec-debug-${process.pid}`);
          return (line: string) => fs.appendFileSync(file, line);
        })();
  return (dir, [type, id, payload]) => {
    const body = inspect(payload, { depth: 3, maxStringLength: 200, maxArrayLength: 20, breakLength: Infinity });
    write(
      `${new Date().toISOString()} [host ${process.pid}] ${gatewayId} ${dir === 'in' ? '<-' : '->'} ${MESSAGE_NAMES[type] ?? type} ${id} ${body}\n`,
    );
  };
}
