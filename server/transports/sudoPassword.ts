import { execFile } from 'child_process';

/**
 * Who can ask the user for sudo's password: the CLI on its terminal, the extension with a password
 * input box. Without one (no terminal, a test, a service) sudo= keeps `sudo -n`, which fails at once
 * with "a password is required" instead of waiting for a prompt nobody sees.
 */
/** Asks `question` for the gateway of `spec`; resolves with the password, or null when the user cancels. */
export type PasswordPrompt = (question: string, spec: string) => Promise<string | null>;

let prompt: PasswordPrompt | undefined;

/** Installs (or with undefined removes) the process's password prompt. */
export function setPasswordPrompt(ask: PasswordPrompt | undefined): void {
  prompt = ask;
}

/**
 * The password for `sudo -u USER`, asked of the user only when sudo wants one (no NOPASSWD rule, no
 * fresh timestamp) and someone can ask; undefined otherwise. It is kept in memory only and handed to
 * sudo on its standard input (`sudo -S`), never to a file, an argument or the environment.
 */
export async function sudoPassword(user: string | undefined, spec: string): Promise<string | undefined> {
  if (!prompt) return undefined;
  // Asked without blocking: the extension's backend serves other requests meanwhile.
  const refusal = await new Promise<string | undefined>((resolve) =>
    execFile('sudo', ['-n', ...(user ? ['-u', user] : []), '--', 'true'], { timeout: 10000 }, (err, _stdout, stderr) =>
      resolve(err ? String(stderr) : undefined),
    ),
  );
  if (refusal === undefined || !/password is required/i.test(refusal)) return undefined;
  const me = process.env.USER || process.env.LOGNAME || 'you';
  const answer = await prompt(`[sudo] password for ${me} (to run as ${user || 'root'}): `, spec);
  return answer ?? undefined;
}
