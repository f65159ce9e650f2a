/** A usage or input problem of a command-line invocation: printed without a stack, exit status 2. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
