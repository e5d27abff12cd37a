// The layer rules of ARCHITECTURE.md as dependency-cruiser rules: `npm run check:architecture` (and CI, right
// after the type check) fails on an import against the documented direction, naming the rule and the import.
//
// Each folder of src/ lists what it may import; anything else in src/ is a violation. Imports of packages are
// ruled apart: a runtime dependency is one of the AWS SDK clients or an optional peer, each imported only by
// the folder that owns it. Node's own modules are allowed everywhere. Type-only imports (`import type`,
// `import { type A }`, `export type`, `import('…').A`) count as imports, except where a rule says otherwise.
// A rule for a folder that does not exist yet costs nothing and holds from the first file in it.
//
// Usage: npm run check:architecture

/** A folder of src/ (or a file, with its extension), as a path pattern. */
const folder = (name) => `^src/${name}/`;
const ERRORS = '^src/errors\\.ts$';
const CORE = folder('core');
const AWS = folder('aws');
const CREDENTIALS = folder('credentials');
const FLEET = folder('fleet');
const PROVIDER = folder('provider');
const USER = folder('user');
const M2M = folder('m2m');
const SSM = folder('ssm');
const SECRETS_MANAGER = folder('secrets-manager');
const DYNAMODB = folder('dynamodb');
const REDIS = folder('redis');
const FETCH = folder('fetch');
const CLI = folder('cli');
const TESTING = folder('testing');
/** The package's entry points: the root and each subpath's index.ts. */
const ENTRY_POINTS = ['^src/index\\.ts$', '^src/[^/]+/index\\.ts$'];
/** What the CLI may use: the entry points a user's script imports (root, /ssm, /secrets-manager). */
const PUBLIC_API = ['^src/index\\.ts$', '^src/ssm/index\\.ts$', '^src/secrets-manager/index\\.ts$'];

/** Type-only dependencies, in every form TypeScript has. */
const TYPE_ONLY = ['type-only', 'type-import'];

/** A package as dependency-cruiser resolves it (into node_modules), or names it when it is not installed. */
const pkg = (name) => `(^|/)node_modules/${name}/|^${name}$`;
const COGNITO_SDK = pkg('@aws-sdk/client-cognito-identity-provider');
const SSM_SDK = pkg('@aws-sdk/client-ssm');
const SECRETS_MANAGER_SDK = pkg('@aws-sdk/client-secrets-manager');
const DYNAMODB_SDK = pkg('@aws-sdk/client-dynamodb');
const IOREDIS = pkg('ioredis');

/** A rule that a folder imports from src/ only what `allowed` lists (its own folder is always allowed). */
function layer(name, from, allowed, comment) {
  return {
    name,
    severity: 'error',
    comment,
    from: { path: from },
    to: { path: '^src/', pathNot: [from, ...allowed] },
  };
}

/** A rule that a package is imported only from `owner` (and, types only, from `typesFrom`). */
function packageOwner(name, packagePath, owner, comment, typesFrom = [], alsoOwners = []) {
  const rules = [
    {
      name,
      severity: 'error',
      comment,
      from: { path: '^src/', pathNot: [owner, ...alsoOwners, ...typesFrom] },
      to: { path: packagePath },
    },
  ];
  if (typesFrom.length > 0) {
    rules.push({
      name: `${name}-types-elsewhere`,
      severity: 'error',
      comment: `${comment} Elsewhere, type-only imports only.`,
      from: { path: typesFrom },
      to: { path: packagePath, dependencyTypesNot: TYPE_ONLY },
    });
  }
  return rules;
}

module.exports = {
  forbidden: [
    layer(
      'errors-imports-nothing',
      ERRORS,
      [],
      'src/errors.ts is the bottom of every layer: it imports nothing from src.',
    ),
    layer(
      'core-is-generic',
      CORE,
      [ERRORS],
      'src/core (expiring cache, deadline, retry, failure classification, redaction, logger, JWT claims, token ' +
        'expiry, option checks) is generic machinery: it imports only src/core and src/errors.ts.',
    ),
    layer(
      'aws-over-core',
      AWS,
      [CORE, ERRORS],
      'src/aws (the Cognito SDK boundary) imports only src/core and src/errors.ts.',
    ),
    layer(
      'credentials-over-core',
      CREDENTIALS,
      [CORE, ERRORS],
      'src/credentials imports only src/core and src/errors.ts.',
    ),
    layer(
      'fleet-over-core',
      FLEET,
      [CORE, ERRORS],
      'src/fleet (the shared-cache protocol) imports only src/core and src/errors.ts; stores and providers plug into it.',
    ),
    layer(
      'provider-kernel',
      PROVIDER,
      [CORE, AWS, CREDENTIALS, ERRORS, FLEET],
      'src/provider (the kernel user and m2m share) imports only src/core, src/aws, src/credentials, ' +
        'src/errors.ts, and types from src/fleet.',
    ),
    {
      name: 'provider-fleet-types-only',
      severity: 'error',
      comment:
        'src/provider imports only types from src/fleet: a provider without sharedCache must bundle none of the ' +
        'fleet protocol (the tree-shaking and size checks measure it).',
      from: { path: PROVIDER },
      to: { path: FLEET, dependencyTypesNot: TYPE_ONLY },
    },
    layer(
      'user-over-provider',
      USER,
      [PROVIDER, CORE, AWS, CREDENTIALS, ERRORS],
      'src/user imports only src/provider, src/core, src/aws, src/credentials and src/errors.ts: never src/m2m ' +
        '(what both need belongs in src/provider) and never src/fleet, not even its types (the kernel owns it).',
    ),
    layer(
      'm2m-over-provider',
      M2M,
      [PROVIDER, CORE, AWS, CREDENTIALS, ERRORS],
      'src/m2m imports only src/provider, src/core, src/aws, src/credentials and src/errors.ts: never src/user ' +
        '(what both need belongs in src/provider) and never src/fleet, not even its types (the kernel owns it).',
    ),
    layer(
      'ssm-source',
      SSM,
      [CORE, CREDENTIALS, ERRORS],
      'src/ssm (fromSsm) imports only src/core, src/credentials and src/errors.ts, and its own SDK client.',
    ),
    layer(
      'secrets-manager-source',
      SECRETS_MANAGER,
      [CORE, CREDENTIALS, ERRORS],
      'src/secrets-manager imports only src/core, src/credentials and src/errors.ts, and its own SDK client.',
    ),
    layer(
      'dynamodb-store',
      DYNAMODB,
      [FLEET, CORE, ERRORS],
      'src/dynamodb imports only src/fleet, src/core and src/errors.ts.',
    ),
    layer('redis-store', REDIS, [FLEET, CORE, ERRORS], 'src/redis imports only src/fleet, src/core and src/errors.ts.'),
    layer(
      'fetch-over-core',
      FETCH,
      [CORE, ERRORS, USER, M2M, PROVIDER],
      'src/fetch (createAuthorizedFetch) imports only src/core and src/errors.ts, and types from the providers.',
    ),
    {
      name: 'fetch-provider-types-only',
      severity: 'error',
      comment:
        'src/fetch takes any provider through its type: it imports only types from src/user, src/m2m, src/provider.',
      from: { path: FETCH },
      to: { path: [USER, M2M, PROVIDER], dependencyTypesNot: TYPE_ONLY },
    },
    layer(
      'cli-over-public-api',
      CLI,
      [...PUBLIC_API, CORE, ERRORS],
      'src/cli uses the package as a user script would: through its public entry points (src/index.ts, ' +
        'src/ssm/index.ts, src/secrets-manager/index.ts), plus src/core and src/errors.ts.',
    ),
    layer(
      'testing-stands-alone',
      TESTING,
      [CORE, ERRORS],
      'src/testing (the local Cognito of cognito-token-provider/testing) imports only src/core and src/errors.ts: ' +
        'its SRP and TOTP math is written apart from src/user, so a shared bug cannot make client and server agree.',
    ),
    {
      name: 'nothing-imports-testing',
      severity: 'error',
      comment:
        'Nothing in src imports src/testing: it is for tests, and must never end up in a handler that imports ' +
        'another entry point.',
      from: { path: '^src/', pathNot: [TESTING] },
      to: { path: TESTING },
    },
    {
      name: 'entry-points-only-re-export',
      severity: 'error',
      comment:
        'An entry point (src/index.ts, src/*/index.ts) only re-exports: `export … from`, never an import of its own.',
      from: { path: ENTRY_POINTS },
      to: { dependencyTypesNot: ['export'] },
    },
    {
      name: 'no-unknown-src-location',
      severity: 'error',
      comment:
        'Every module of src/ is in a layer folder (or is src/errors.ts or an entry point); one elsewhere, such ' +
        'as src/options.ts, is outside the layer rules. Its imports are reported here, imports of it by the layers.',
      from: {
        path: '^src/',
        pathNot: [
          ERRORS,
          ...ENTRY_POINTS,
          ...[
            CORE,
            AWS,
            CREDENTIALS,
            FLEET,
            PROVIDER,
            USER,
            M2M,
            SSM,
            SECRETS_MANAGER,
            DYNAMODB,
            REDIS,
            FETCH,
            CLI,
            TESTING,
          ],
        ],
      },
      to: {},
    },

    ...packageOwner(
      'cognito-sdk-only-in-aws',
      COGNITO_SDK,
      AWS,
      'src/aws is the Cognito SDK boundary: it sends every command. user/ and m2m/ build the commands they send (how to ask Cognito is theirs); nothing else imports the Cognito SDK.',
      // The kernel's options name the client and its config.
      [PROVIDER],
      [USER, M2M],
    ),
    ...packageOwner(
      'ssm-sdk-only-in-ssm',
      SSM_SDK,
      SSM,
      'Only src/ssm imports @aws-sdk/client-ssm (its entry point owns the optional peer).',
    ),
    ...packageOwner(
      'secrets-manager-sdk-only-in-secrets-manager',
      SECRETS_MANAGER_SDK,
      SECRETS_MANAGER,
      'Only src/secrets-manager imports @aws-sdk/client-secrets-manager (its entry point owns the optional peer).',
    ),
    ...packageOwner(
      'dynamodb-sdk-only-in-dynamodb',
      DYNAMODB_SDK,
      DYNAMODB,
      'Only src/dynamodb imports @aws-sdk/client-dynamodb (its entry point owns the optional peer).',
    ),
    ...packageOwner(
      'ioredis-only-in-redis',
      IOREDIS,
      REDIS,
      'Only src/redis imports ioredis (its entry point owns the optional peer).',
    ),
    {
      name: 'only-declared-runtime-packages',
      severity: 'error',
      comment:
        'src/ imports no package but the AWS SDK clients and the optional peers (and Node built-ins): everything ' +
        'else is a dev tool, absent from a user install.',
      from: { path: '^src/' },
      to: {
        // Node's built-ins; an import that resolves to nothing is no-unresolvable's.
        dependencyTypesNot: ['core'],
        couldNotResolve: false,
        pathNot: ['^src/', COGNITO_SDK, SSM_SDK, SECRETS_MANAGER_SDK, DYNAMODB_SDK, IOREDIS],
      },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing: a typo, or a package missing from package.json.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No cycles: a module that two others share moves down a level.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module of src/ that nothing imports and that imports nothing is dead code.',
      from: {
        orphan: true,
        path: '^src/',
        // Swapped in for optional-commands.ts by scripts/build.mjs for the CommonJS build; no import names it.
        pathNot: ['^src/aws/optional-commands-cjs\\.ts$'],
      },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Keeps type-only imports (tagged `type-only`), which compiled JavaScript would lose.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.js'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
