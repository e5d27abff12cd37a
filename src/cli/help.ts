import { SIGN_IN_FLOWS, type SignInFlow } from '../index.js';

/** What `--help` says of each flow beside its name; a new flow does not compile without its line. */
const FLOW_NOTES: Readonly<Record<SignInFlow, string>> = {
  'user-password': ' (default)',
  'user-srp': ' (needs --user-pool-id; the password never leaves the process)',
  'user-auth': ' (choice-based)',
  'admin-user-password': ' (needs --user-pool-id and IAM)',
};

/** The flows for `--flow`, wrapped to the help's column. */
function flowLines(): string {
  const words = SIGN_IN_FLOWS.map(
    (flow, index) => `${index === SIGN_IN_FLOWS.length - 1 ? 'or ' : ''}${flow}${FLOW_NOTES[flow]}`,
  )
    .join(', ')
    .split(' ');
  const lines: string[] = [];
  let line = 'how to sign in:';
  for (const word of words) {
    if (line.length + 1 + word.length > 70) {
      lines.push(line);
      line = word;
    } else {
      line = `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(36)}`);
}

/** The text of `cognito-token --help`. Kept in step with the README's CLI section. */
export const CLI_HELP = `Usage: cognito-token --client-id <id> [--region <region> | --user-pool-id <id>] <credentials> [options]
       cognito-token device remember --client-id <id> [--user-pool-id <id>] <credentials> [options]

Prints an Amazon Cognito User Pool token on stdout, and nothing else:
  curl -H "Authorization: $(cognito-token ...)" https://api.example.com/orders

Credentials, exactly one way:
  --username <name>                 the user's name or email; the password is piped to --password-stdin,
                                    or set in COGNITO_PASSWORD (there is no --password: ps shows options)
  --ssm-username <parameter>        SSM parameters holding the username and the password
  --ssm-password <parameter>
  --ssm-parameter <parameter>       one SSM SecureString holding {"username", "password", "clientSecret"?},
                                    and "deviceKey", "deviceGroupKey", "devicePassword" for a remembered device
  --secret-id <id>                  one Secrets Manager secret (name or ARN) holding the same JSON

The app client secret, when the app client has one (one way):
  --client-secret-stdin             read it from stdin; with --password-stdin too, send two lines:
                                    the password, then the secret
  COGNITO_CLIENT_SECRET             or set this variable
  --ssm-client-secret <parameter>   or read it from this SSM parameter

The TOTP secret, when the user has TOTP MFA (the base32 secret AssociateSoftwareToken returned):
  --totp-secret-stdin               read it from stdin, as the last line after the password and the
                                    client secret when those are piped too
  COGNITO_TOTP_SECRET               or set this variable

A remembered device, for a user pool that tracks devices:
  device remember                   signs in (any --flow, TOTP as above) as a new device, confirms it, marks
                                    it remembered, and prints {"deviceKey", "deviceGroupKey", "devicePassword"}
                                    and nothing else; store them with the password, and sign in with
                                    --flow user-srp: renewals then work, and no new device comes per sign-in

Options:
  --client-id <id>                  the app client ID (required)
  --region <region>                 the user pool's Region (default: from --user-pool-id, else AWS_REGION)
  --user-pool-id <id>               the user pool ID, for example eu-west-1_AbC123
  --flow <flow>                     ${flowLines()}
  --token id|access                 the token to print (default: id)
  --json                            print {"idToken", "accessToken", "expiresAt", "username"} instead
  -h, --help                        print this help
  -v, --version                     print the version

Every option can also be set by a variable: --client-id by COGNITO_CLIENT_ID, --json by COGNITO_JSON=1,
and so on. Options on the command line win over variables. The endpoints are the AWS SDK's own:
AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, AWS_ENDPOINT_URL_SSM and AWS_ENDPOINT_URL_SECRETS_MANAGER. SSM and
Secrets Manager are read in AWS_REGION, or in the user pool's Region when AWS_REGION is not set, with the usual
AWS credentials.

Errors go to stderr as "cognito-token: ERR_CODE: message". Exit status:
  0  the token was printed
  1  ERR_INTERNAL            an unexpected failure
  2  ERR_USAGE               a missing, conflicting or invalid option
     ERR_CONFIGURATION       a malformed Region or user pool ID, or an app client Cognito refuses
                             (unknown client ID, or a --flow the app client does not allow)
  3  ERR_AUTHENTICATION      Cognito refused the credentials
  4  ERR_CHALLENGE_REQUIRED  the user must answer a challenge first (new password, MFA)
  5  ERR_CREDENTIALS         the credentials could not be read (from SSM, Secrets Manager or stdin)
  6  ERR_UNAVAILABLE         Cognito could not be reached or failed
  7  ERR_THROTTLED           Cognito kept throttling the request
141                          the reader of the output went away (| head -c0), as for Unix tools; nothing printed
`;
