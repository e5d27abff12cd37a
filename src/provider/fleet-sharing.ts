import type { Deadline } from '../core/deadline.js';
import type { ExpiringValue } from '../core/expiring-cache.js';
import { readableClaims } from '../core/jwt-claims.js';
import type { TokenProviderLogger } from '../core/logger.js';
// Types only: the protocol itself travels with the store (`shareTokenStore`), so a provider without a shared
// cache bundles none of it.
import type { SharedTokenStore, SharedValues, ValueSharing } from '../fleet/share-token-store.js';

/** What a provider shares through a fleet's store, and under whose name. */
export interface FleetRecipe<T extends ExpiringValue, C> {
  /** Whose entry a value made with `credentials` is, and the secrets that seal it. */
  identify(credentials: C): Pick<ValueSharing<T>, 'pool' | 'subject' | 'secrets'>;
  /** The fields to share: only what a token call returns, never a refresh token or a secret. */
  encode(value: T): Record<string, unknown>;
  /**
   * A value from another instance's fields, expiring at `expiresAt` (already capped by the tokens' own `exp`),
   * or `undefined` if the fields do not make one.
   */
  decode(fields: Record<string, unknown>, expiresAt: number, credentials: C): T | undefined;
  /** The tokens of `value` whose `exp` claims bound how long any instance may serve it. */
  tokensOf(value: T): readonly string[];
  /** Another instance's value, merged with what this one holds (its refresh token). Default: `shared`. */
  adopt?(shared: T, current: T | undefined): T;
}

/** What the kernel hands one shared obtain. */
interface ShareContext<T> {
  readonly current: T | undefined;
  readonly refused: boolean;
  readonly deadline: Deadline;
}

/** Once another instance is renewing, how long one serves what it holds before looking again. */
const RECHECK_WHILE_ANOTHER_RENEWS_MS = 1_000;
/** A shared entry must outlive this much, or the instance that reads it would renew again at once. */
const MIN_SHARED_LIFETIME_MS = 60_000;

/**
 * The kernel's side of the fleet cache, for every provider: which entry the credentials name, what the
 * fleet's entry must offer to be worth taking, and that nothing is served past its tokens' own `exp`, whatever
 * clock wrote it. The entry is re-opened when the credentials change (a password rotated in SSM), which also
 * changes the sealing key.
 */
export class FleetSharing<T extends ExpiringValue, C> {
  readonly #store: SharedTokenStore;
  readonly #recipe: FleetRecipe<T, C>;
  readonly #clientId: string;
  readonly #refreshAheadSeconds: number;
  readonly #logger: TokenProviderLogger | undefined;
  #opened: { readonly credentials: C; readonly values: SharedValues<T> } | undefined;

  constructor(
    options: {
      readonly sharedCache?: SharedTokenStore | undefined;
      readonly clientId: string;
      readonly refreshAheadSeconds: number;
      readonly logger: TokenProviderLogger | undefined;
    },
    recipe: FleetRecipe<T, C>,
  ) {
    this.#store = options.sharedCache as SharedTokenStore;
    this.#recipe = recipe;
    this.#clientId = options.clientId;
    this.#refreshAheadSeconds = options.refreshAheadSeconds;
    this.#logger = options.logger;
  }

  /**
   * The fleet's value if it will do, else `fetch`'s, under the fleet's lease. Renewing (`current` given), only
   * an entry newer than `current` helps; starting cold, one that will not need renewing straight away. While
   * another instance renews, `current` is served a little longer instead of asking the store on every call.
   */
  async obtain(
    credentials: C,
    context: ShareContext<T>,
    fetch: () => Promise<{ readonly value: T; readonly credentials: C | undefined }>,
  ): Promise<T> {
    const { current, refused, deadline } = context;
    const now = Date.now();
    const obtained = await this.#valuesFor(credentials).obtain(async () => (await fetch()).value, {
      signal: deadline.signal,
      deadlineAt: now + deadline.remainingMs(),
      minValidUntil:
        current === undefined
          ? now + Math.min(this.#refreshAheadSeconds * 1000, MIN_SHARED_LIFETIME_MS)
          : current.expiresAt + 1,
      ...(current === undefined || refused ? {} : { current }),
    });
    if (obtained === current) {
      return { ...obtained, renewAt: Math.min(obtained.expiresAt, Date.now() + RECHECK_WHILE_ANOTHER_RENEWS_MS) };
    }
    return this.#recipe.adopt === undefined ? obtained : this.#recipe.adopt(obtained, current);
  }

  #valuesFor(credentials: C): SharedValues<T> {
    const opened = this.#opened;
    const recipe = this.#recipe;
    const identity = recipe.identify(credentials);
    if (opened !== undefined && sameIdentity(recipe.identify(opened.credentials), identity)) return opened.values;
    const values = this.#store.shareValues<T>({
      ...identity,
      clientId: this.#clientId,
      encode: (value) => recipe.encode(value),
      decode: (fields) => {
        const expiresAt = fields.expiresAt;
        if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return undefined;
        const decoded = recipe.decode(fields, expiresAt, credentials);
        if (decoded === undefined) return undefined;
        const capped = cappedByClaims(decoded.expiresAt, recipe.tokensOf(decoded));
        return capped === decoded.expiresAt ? decoded : recipe.decode(fields, capped, credentials);
      },
      expiresAtOf: (value) => cappedByClaims(value.expiresAt, recipe.tokensOf(value)),
      logger: this.#logger,
    });
    this.#opened = { credentials, values };
    return values;
  }
}

/**
 * `expiresAt`, or earlier when a token's own `exp` says so. A value read from the store was dated by the clock of
 * the instance that wrote it; `exp` is Cognito's, read against this instance's clock.
 */
function cappedByClaims(expiresAt: number, tokens: readonly string[]): number {
  let capped = expiresAt;
  for (const token of tokens) {
    const exp = readableClaims(token)?.exp;
    if (typeof exp === 'number' && Number.isFinite(exp)) capped = Math.min(capped, exp * 1000);
  }
  return capped;
}

function sameIdentity<T>(
  a: Pick<ValueSharing<T>, 'pool' | 'subject' | 'secrets'>,
  b: Pick<ValueSharing<T>, 'pool' | 'subject' | 'secrets'>,
): boolean {
  const subjectA = 'username' in a.subject ? [a.subject.username] : ['', ...a.subject.scopes];
  const subjectB = 'username' in b.subject ? [b.subject.username] : ['', ...b.subject.scopes];
  return (
    a.pool === b.pool &&
    a.secrets.password === b.secrets.password &&
    a.secrets.clientSecret === b.secrets.clientSecret &&
    subjectA.length === subjectB.length &&
    subjectA.every((part, index) => part === subjectB[index])
  );
}
