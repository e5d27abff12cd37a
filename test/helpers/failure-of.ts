import { expect } from 'vitest';
import { CognitoTokenError } from '../../src/errors.js';

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
