import type { Gateway } from '../../protocol';
import { makeGateway } from '../gateway/makeGateway';
import { setPasswordPrompt } from '../transports/sudoPassword';
import { StdinLines } from './terminalInput';

/**
 * makeGateway for a CLI command: while it starts, sudo= may ask for its password on the terminal (when
 * there is one). `lines` is the command's reader of standard input, when it keeps one for the run.
 */
export async function openGateway(spec: string, lines?: StdinLines): Promise<Gateway> {
  // Ctrl-C at the prompt (a key in the terminal's raw mode, not a signal) gives up, as the shell would.
  const reader = lines ?? new StdinLines(() => process.exit(130));
  if (process.stdin.isTTY) setPasswordPrompt(async (question) => reader.handler({ prompt: question, password: true, channel: undefined }));
  try {
    return await makeGateway(spec);
  } finally {
    setPasswordPrompt(undefined);
    if (!lines) reader.close();
  }
}
