// Client CPU for one SRP sign-in: our src/user/srp.ts against amazon-cognito-identity-js 6's AuthenticationHelper
// (jsbn), in one process. Goal of the issue "Sign in the way real app clients allow": at least 30× less CPU.
//
// One sign-in is the whole client side of USER_SRP_AUTH + PASSWORD_VERIFIER, as each library runs it: draw a,
// A = g^a and its hex for InitiateAuth; then parse SALT and SRP_B, x, u, S, the HKDF key, the TIMESTAMP and the
// PASSWORD_CLAIM_SIGNATURE HMAC. The baseline does what CognitoUser.authenticateUserDefaultAuth does, with its
// own Sha256 (@aws-crypto/sha256-js, resolved from amazon-cognito-identity-js). No network on either side.
//
// Both answer the same challenge: a salt, a verifier for a known password and B = k·v + g^b mod N, computed
// once here, outside the timed region, by the BigInt server math of harness/cognito-srp-server.ts (independent
// of src/user/srp.ts). After the rounds, one signature from each side is checked against that server's own
// S = (A·v^u)^b, so neither can be fast by being wrong.
//
// srp.ts is internal (no package entry point exports it), so this script imports it from src: scripts/run.mjs
// bundles local imports with esbuild, the same compiler that builds dist, so the code timed is the code shipped.
// CPU is process.cpuUsage() (user + system) over a batch of sign-ins per side per round, divided by the batch
// size; the sides alternate and swap order every round, and the median of per-round ratios is reported.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { srpPasswordSignature, srpServerB, srpVerifier } from '../../harness/cognito-srp-server.js';
import { type PasswordVerifierInput, startSrp } from '../../src/user/srp.js';
import { type BenchResult, formatNumber, formatRatio, judged } from './report.js';
import { alternate, median } from './statistics.js';

export interface SrpCpuOptions {
  readonly rounds: number;
  /** Our sign-ins per round (about 2 ms each). */
  readonly oursPerRound: number;
  /** amazon-cognito-identity-js sign-ins per round (a hundred ms or more each). */
  readonly baselinePerRound: number;
}

/** The challenge both sides answer, as Cognito's PASSWORD_VERIFIER would send it, and the password. */
type Challenge = Omit<PasswordVerifierInput, 'now'>;

/** What a sign-in sends: SRP_A with InitiateAuth, TIMESTAMP and PASSWORD_CLAIM_SIGNATURE with the answer. */
interface Proof {
  readonly srpA: string;
  readonly timestamp: string;
  readonly signature: string;
}

// --- The server side, once (harness/cognito-srp-server.ts's BigInt math, independent of src/user/srp.ts) --------

interface Server {
  readonly challenge: Challenge;
  /** The PASSWORD_CLAIM_SIGNATURE the server expects for this A and TIMESTAMP. */
  expectedSignature(srpA: string, timestamp: string): string | undefined;
}

function serverFor(poolName: string, userIdForSrp: string, password: string): Server {
  const random = (size: number) => BigInt(`0x${randomBytes(size).toString('hex')}`);
  const salt = random(16);
  const verifier = srpVerifier(salt, poolName, userIdForSrp, password);
  const b = random(128);
  const srpB = srpServerB(verifier, b);
  const secretBlock = randomBytes(96).toString('base64');
  return {
    challenge: {
      poolName,
      userIdForSrp,
      password,
      saltHex: salt.toString(16),
      srpBHex: srpB.toString(16),
      secretBlock,
    },
    expectedSignature(srpA, timestamp) {
      return srpPasswordSignature({
        poolName,
        userIdForSrp,
        secretBlock,
        timestamp,
        srpA: BigInt(`0x${srpA}`),
        srpB,
        b,
        verifier,
      });
    },
  };
}

// --- The two clients -------------------------------------------------------------------------------------------

function oursSignIn(challenge: Challenge): Proof {
  const session = startSrp();
  const srpA = session.srpA;
  const { signature, timestamp } = session.passwordVerifier({ ...challenge, now: new Date() });
  return { srpA, timestamp, signature };
}

/** The parts of amazon-cognito-identity-js 6 we call; its typings declare none of them. */
interface JsbnInteger {
  toString(radix: number): string;
}
interface AuthenticationHelper {
  getLargeAValue(callback: (error: unknown, largeA: JsbnInteger) => void): void;
  getPasswordAuthenticationKey(
    username: string,
    password: string,
    serverB: JsbnInteger,
    salt: JsbnInteger,
    callback: (error: unknown, key: Buffer) => void,
  ): void;
}
interface Sha256 {
  update(data: Uint8Array): void;
  digestSync(): Uint8Array;
}

/** The baseline's classes, loaded as CognitoUser loads them (CommonJS, default exports). */
function loadBaseline() {
  const require = createRequire(import.meta.url);
  const fromLibrary = createRequire(require.resolve('amazon-cognito-identity-js'));
  return {
    AuthenticationHelper: fromLibrary('./AuthenticationHelper').default as new (
      poolName: string,
    ) => AuthenticationHelper,
    BigInteger: fromLibrary('./BigInteger').default as new (value: string, radix: number) => JsbnInteger,
    DateHelper: fromLibrary('./DateHelper').default as new () => { getNowString(): string },
    Sha256: fromLibrary('@aws-crypto/sha256-js').Sha256 as new (secret: Uint8Array) => Sha256,
  };
}

/** CognitoUser.authenticateUserDefaultAuth without the requests; its callbacks all run synchronously. */
function baselineSignIn(baseline: ReturnType<typeof loadBaseline>, challenge: Challenge): Proof {
  const helper = new baseline.AuthenticationHelper(challenge.poolName);
  const dateHelper = new baseline.DateHelper();
  let proof: Proof | undefined;
  helper.getLargeAValue((errorOnA, largeA) => {
    if (errorOnA) throw errorOnA;
    const srpA = largeA.toString(16);
    const serverB = new baseline.BigInteger(challenge.srpBHex, 16);
    const salt = new baseline.BigInteger(challenge.saltHex, 16);
    helper.getPasswordAuthenticationKey(challenge.userIdForSrp, challenge.password, serverB, salt, (error, key) => {
      if (error) throw error;
      const timestamp = dateHelper.getNowString();
      const message = Buffer.concat([
        Buffer.from(challenge.poolName, 'utf8'),
        Buffer.from(challenge.userIdForSrp, 'utf8'),
        Buffer.from(challenge.secretBlock, 'base64'),
        Buffer.from(timestamp, 'utf8'),
      ]);
      const hash = new baseline.Sha256(key);
      hash.update(message);
      proof = { srpA, timestamp, signature: Buffer.from(hash.digestSync()).toString('base64') };
    });
  });
  if (proof === undefined) throw new Error('AuthenticationHelper did not call back synchronously');
  return proof;
}

// --- Measurement -------------------------------------------------------------------------------------------------

/** CPU milliseconds (user + system) per sign-in over `count` sign-ins, and the last proof. */
function cpuPerSignIn(count: number, signIn: () => Proof): { ms: number; proof: Proof } {
  let proof: Proof | undefined;
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) proof = signIn();
  const used = process.cpuUsage(before);
  return { ms: (used.user + used.system) / 1000 / count, proof: proof as Proof };
}

export async function measureSrpCpu(options: SrpCpuOptions): Promise<BenchResult> {
  const server = serverFor('Bench1', 'f0e4b3c1-7d21-4a4e-9c1b-2f6a8d5e0c11', 'correct-Horse-battery-5taple');
  const { challenge } = server;
  const baseline = loadBaseline();

  // Our first sign-in in this module creates the OpenSSL group: what a cold Lambda pays once.
  const first = cpuPerSignIn(1, () => oursSignIn(challenge));
  let lastOurs = first.proof;
  let lastBaseline: Proof | undefined;
  const pairs = await alternate(
    options.rounds,
    async () => {
      const run = cpuPerSignIn(options.oursPerRound, () => oursSignIn(challenge));
      lastOurs = run.proof;
      return run.ms;
    },
    async () => {
      const run = cpuPerSignIn(options.baselinePerRound, () => baselineSignIn(baseline, challenge));
      lastBaseline = run.proof;
      return run.ms;
    },
  );
  for (const [side, proof] of [
    ['ours', lastOurs],
    ['amazon-cognito-identity-js', lastBaseline],
  ] as const) {
    if (proof === undefined || proof.signature !== server.expectedSignature(proof.srpA, proof.timestamp)) {
      throw new Error(`srp-cpu: the ${side} PASSWORD_CLAIM_SIGNATURE does not verify against the server's S`);
    }
  }

  const ours = median(pairs.map((p) => p.ours));
  const baselineMs = median(pairs.map((p) => p.baseline));
  const ratio = median(pairs.map((p) => p.ours / p.baseline));
  return judged({
    id: 'srp-cpu',
    title: 'Client CPU for one SRP sign-in (A, x, u, S, HKDF, signature; process.cpuUsage)',
    unit: 'ms',
    ours,
    baseline: baselineMs,
    ratio,
    baselineLabel: 'amazon-cognito-identity-js 6 AuthenticationHelper, same challenge',
    rounds: pairs.length,
    // "At least 30× less CPU": ours / baseline ≤ 1/30; 0.0333 is the nearest bound the table prints cleanly.
    goal: { on: 'ratio', under: 0.0333 },
    notes:
      `${formatNumber(1 / ratio, 0)}× less CPU (${formatRatio(ratio)}); ${options.oursPerRound} vs ` +
      `${options.baselinePerRound} sign-ins a round; our first sign-in in the process, which creates the OpenSSL ` +
      `group, ${formatNumber(first.ms, 2)} ms; both signatures verified by an independent BigInt server`,
  });
}
