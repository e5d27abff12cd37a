import { errorName } from './failure.js';

/**
 * Whether a signed request failed because the AWS SDK found no AWS credentials at all: its credential chain's
 * `CredentialsProviderError` ("Could not load credentials from any providers", or a named profile that does not
 * exist). That is not an IAM denial: no permission would fix it, so it gets advice of its own.
 */
export function isAwsCredentialsMissing(error: unknown): boolean {
  return errorName(error) === 'CredentialsProviderError';
}

/**
 * The advice when {@link isAwsCredentialsMissing}: `operation` is signed, no AWS credentials were found, and where
 * the SDK looks for them. Callers put it after the SDK error's description, as for any other failure.
 */
export function awsCredentialsMissingAdvice(operation: string): string {
  return (
    `${operation} is signed with AWS credentials, and no AWS credentials were found. The AWS SDK looks ` +
    'in the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN), the ' +
    'profile AWS_PROFILE names (or "default") in ~/.aws/credentials and ~/.aws/config, a web identity token ' +
    '(AWS_WEB_IDENTITY_TOKEN_FILE), and the container or EC2 instance role. Give the process one of them: this ' +
    'is not an IAM permission problem'
  );
}
