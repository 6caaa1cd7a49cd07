import { parseArgs, type ParseArgsConfig } from 'util';

/** Parses a subcommand's options; every subcommand takes --spec and --help. */
export function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O, allowPositionals = true) {
  return parseArgs({
    args: argv,
    options: { spec: { type: 'string', default: 'popen' }, help: { type: 'boolean', short: 'h' }, ...options },
    allowPositionals,
    strict: true,
  });
}
