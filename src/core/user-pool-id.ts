import { configurationError } from '../errors.js';

// Region names look like us-east-1, us-gov-west-1 or, in the European Sovereign Cloud, eusc-de-east-1; the
// pool part is alphanumeric.
const USER_POOL_ID = /^([a-z]{2,4}(?:-[a-z]+)+-\d+)_[0-9A-Za-z]+$/;

/**
 * Validates a user pool ID such as `eu-west-1_AbC123` and returns the Region it names (`eu-west-1`), so
 * callers need not repeat the Region. Throws `ERR_CONFIGURATION` naming `userPoolId` when the shape is wrong.
 */
export function regionOfUserPoolId(userPoolId: string): string {
  const match = typeof userPoolId === 'string' ? USER_POOL_ID.exec(userPoolId) : null;
  if (match?.[1] === undefined) {
    throw configurationError('userPoolId', 'must look like "<region>_<id>", for example "eu-west-1_AbC123"');
  }
  return match[1];
}
