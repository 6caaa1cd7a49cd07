/**
 * What `remoteExec.openGateway` does with a `{spec, name?}` argument. The command can be invoked by any
 * other extension (`executeCommand`) or by a `command:` link in trusted Markdown, so a spec given this way
 * is a request from someone other than the user: it is never opened in an untrusted workspace (opening a
 * gateway starts a process, which workspace trust exists to prevent), and in a trusted one only after the
 * user confirmed that very spec. Platform-free, so it is tested without VS Code.
 */
export type GatewayArgument =
  { kind: 'none' } | { kind: 'refused'; reason: string } | { kind: 'confirm'; spec: string; name?: string; question: string };

/** Longest spec accepted from an argument; a real xspec is a few dozen characters. */
const MAX_SPEC_LENGTH = 1000;

export function gatewayArgument(arg: unknown, workspaceTrusted: boolean): GatewayArgument {
  if (arg === undefined || arg === null) return { kind: 'none' };
  const spec = typeof arg === 'object' ? (arg as { spec?: unknown }).spec : undefined;
  const name = typeof arg === 'object' ? (arg as { name?: unknown }).name : undefined;
  if (typeof spec !== 'string' || spec.trim() === '' || spec.length > MAX_SPEC_LENGTH || /[\r\n]/.test(spec)) {
    return { kind: 'refused', reason: 'the gateway to open must be given as {spec: "an xspec"} (one line)' };
  }
  if (name !== undefined && typeof name !== 'string') return { kind: 'refused', reason: 'a gateway name must be a string' };
  if (!workspaceTrusted) {
    return { kind: 'refused', reason: `a request to open ${JSON.stringify(spec)} was refused: this workspace is not trusted` };
  }
  return {
    kind: 'confirm',
    spec,
    name,
    question: `Open the gateway ${JSON.stringify(spec)}? It was requested by a link or another extension, and starts a process (an interpreter, possibly on another host) that runs code you send it.`,
  };
}
