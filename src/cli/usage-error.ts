/**
 * A command line the `cognito-token` command cannot run: a missing or conflicting option, a bad value. The CLI
 * prints it as `cognito-token: ERR_USAGE: <message>` and exits with status 2. Messages name options and
 * variables, never the value of one, since a user may have typed a secret in the wrong place.
 */
export class CliUsageError extends Error {
  readonly code = 'ERR_USAGE';

  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}
