import {
  InternalErrorException,
  NotAuthorizedException,
  TooManyRequestsException,
} from '@aws-sdk/client-cognito-identity-provider';

export const notAuthorized = (message = 'Incorrect username or password.') =>
  new NotAuthorizedException({ message, $metadata: { httpStatusCode: 400 } });

export const throttled = () =>
  new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });

export const internalError = () =>
  new InternalErrorException({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } });

export const connectionReset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
