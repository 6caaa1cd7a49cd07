export declare function resolveInterpreter(
  kind: 'python' | 'node',
  argv: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<string[]>;
