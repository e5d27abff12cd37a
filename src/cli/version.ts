import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PACKAGE_NAME = 'cognito-token-provider';

/**
 * The version in this package's package.json, found by walking up from the running script. The source is
 * also type-checked and unit-tested as CommonJS-compatible code, where `import.meta.url` does not exist; the
 * script's own path works everywhere, installed or linked alike once the caller resolves symlinks.
 */
export function readPackageVersion(scriptPath: string): string {
  let directory = dirname(scriptPath);
  for (;;) {
    const found = readManifest(join(directory, 'package.json'));
    // dist/cjs/package.json only marks the module format; it has no name.
    if (found?.name === PACKAGE_NAME && typeof found.version === 'string') return found.version;
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`cannot find the package.json of ${PACKAGE_NAME} above ${scriptPath}`);
    directory = parent;
  }
}

function readManifest(path: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    return undefined;
  }
}
