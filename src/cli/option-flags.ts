import { SIGN_IN_FLOWS } from '../index.js';

/**
 * The library's option names and what a user of the command types for each: its messages name options
 * (`"userPoolId" must look like …`, `set flow: 'user-srp' (needs userPoolId)`), the user typed flags.
 */
const OPTION_FLAGS: Readonly<Record<string, string>> = {
  clientId: '--client-id',
  region: '--region',
  userPoolId: '--user-pool-id',
  flow: '--flow',
  'credentials.username': '--username',
  'credentials.password': '--password-stdin (or COGNITO_PASSWORD)',
  'credentials.clientSecret': '--client-secret-stdin (or COGNITO_CLIENT_SECRET)',
  'credentials.totpSecret': '--totp-secret-stdin (or COGNITO_TOTP_SECRET)',
  'credentials.device': 'the deviceKey, deviceGroupKey and devicePassword of --ssm-parameter or --secret-id',
};

const FLOW_NAMES = SIGN_IN_FLOWS.join('|');
// `flow: 'user-srp'` and `flow 'user-srp'` are `--flow user-srp`; a flow named after them (`or 'user-auth'`)
// loses its quotes, as a value typed after --flow has none.
const FLOW_SETTING = new RegExp(`\\bflow:? '(${FLOW_NAMES})'`, 'g');
const QUOTED_FLOW = new RegExp(`'(${FLOW_NAMES})'`, 'g');
// An option quoted (`"userPoolId"`), or named in the advice (`needs userPoolId`, `credentials.totpSecret`). Bare
// `region` and `flow` are English words too, so they are mapped only when quoted.
const QUOTED_OPTION = /"((?:credentials\.)?[A-Za-z]+)"/g;
const BARE_OPTION = /(?<![\w.-])(clientId|userPoolId|credentials\.[A-Za-z]+)(?![\w-])/g;

/**
 * A message of the library in the command's terms: each option it names becomes the flag (or variable) that sets
 * it, so `"userPoolId" must look like …` reads `--user-pool-id must look like …`. Names without a flag stay.
 */
export function inCliTerms(message: string): string {
  const flag = (name: string, original: string) => OPTION_FLAGS[name] ?? original;
  return message
    .replace(FLOW_SETTING, '--flow $1')
    .replace(QUOTED_FLOW, '$1')
    .replace(QUOTED_OPTION, (original, name: string) => flag(name, original))
    .replace(BARE_OPTION, (original, name: string) => flag(name, original));
}
