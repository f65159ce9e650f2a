import { parseArgs } from 'node:util';
import { CliError } from '../cli/cli-error.js';
import type { FieldProblem } from '../errors/gatehouse-error.js';

/** Where a command writes: `out` is its result (the bundle, the plan), `err` its messages. Both take whole text. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CommandIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

/** Parses a command's arguments strictly; an unknown option or a missing value is a usage error naming the usage. */
export function parseCommandArgs<T extends OptionSpec>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError(`${(e as Error).message}\nusage: ${usage}`);
  }
}

/** The refusal of a bundle: every problem, with its JSON pointer. */
export function problemsError(problems: readonly FieldProblem[]): CliError {
  const lines = problems.map((p) => `  ${p.pointer || '/'}: ${p.message}`);
  return new CliError(`The bundle has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was written:\n${lines.join('\n')}`);
}
