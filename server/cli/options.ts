import { parseArgs, type ParseArgsConfig } from 'util';

type Options = NonNullable<ParseArgsConfig['options']>;
type Common = { spec: { type: 'string'; default: string }; help: { type: 'boolean'; short: string } };

/** Parses a subcommand's options; every subcommand takes --spec and --help. */
export function parseCommand<O extends Options>(
  argv: string[],
  options: O,
  allowPositionals = true,
): ReturnType<typeof parseArgs<{ args: string[]; options: Common & O; allowPositionals: boolean; strict: true }>> {
  return parseArgs({
    args: argv,
    options: { spec: { type: 'string', default: 'popen' }, help: { type: 'boolean', short: 'h' }, ...options } as Common & O,
    allowPositionals,
    strict: true,
  });
}
