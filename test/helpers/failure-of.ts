import { expect } from 'vitest';
import { CognitoTokenError } from '../../src/index.js';

/** Awaits a promise that must reject with a CognitoTokenError, and returns that error for further checks. */
export async function failureOf(promise: Promise<unknown>): Promise<CognitoTokenError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CognitoTokenError);
    return error as CognitoTokenError;
  }
  throw new Error('expected a failure');
}

/** Calls `create`, which must throw a CognitoTokenError with `code`, and returns that error for further checks. */
export function failureOfCall(create: () => unknown, code: string): CognitoTokenError {
  try {
    create();
  } catch (error) {
    expect(error).toBeInstanceOf(CognitoTokenError);
    expect((error as CognitoTokenError).code).toBe(code);
    return error as CognitoTokenError;
  }
  throw new Error(`expected a failure with ${code}`);
}

/** Awaits a promise that must reject with any error (an SDK's, a server's), and returns its name and message. */
export async function rejectionOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const { name, message } = error as Error;
    return { name, message };
  }
  throw new Error('expected the call to fail');
}
