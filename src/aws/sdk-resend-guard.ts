import { classifyFailure } from '../core/failure.js';

// The parts of an SDK v3 command this file touches; typed loosely so it fits every command and SDK version.
interface GuardableCommand {
  readonly middlewareStack: {
    addRelativeTo(
      // biome-ignore lint/suspicious/noExplicitAny: the SDK's middleware types differ between versions
      middleware: (next: (args: any) => Promise<any>) => (args: any) => Promise<any>,
      options: { relation: 'after'; toMiddleware: string; name: string; override: boolean },
    ): void;
  };
}

/**
 * Lets the SDK send `command` once, whatever retries its client is configured for: our own retry loop already
 * decides what may be sent again, but a client the user passes in (or `clientConfig.maxAttempts`) would make
 * the SDK resend on its own after a 5xx or a dropped connection. For GetTokensFromRefreshToken that resend could
 * present a rotated refresh token twice. A resend after throttling is let through: Cognito did not process a
 * throttled request.
 *
 * The guard sits after the SDK's retry middleware, so it sees every attempt. A refused resend fails with an
 * `AbortError`, which the SDK never retries and {@link classifyFailure} counts as transient (the outcome is
 * unknown), with the failure of the attempt that was sent as its `cause`.
 */
export function withoutSdkResend<C extends GuardableCommand>(command: C): C {
  let sent = false;
  let lastFailure: unknown;
  command.middlewareStack.addRelativeTo(
    (next) => async (args) => {
      if (sent && classifyFailure(lastFailure) !== 'throttled') {
        throw Object.assign(new Error('not sent again: the request may have reached Cognito'), {
          name: 'AbortError',
          cause: lastFailure,
        });
      }
      sent = true;
      try {
        return await next(args);
      } catch (error) {
        lastFailure = error;
        throw error;
      }
    },
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'cognitoTokenProviderNoResend', override: true },
  );
  return command;
}
