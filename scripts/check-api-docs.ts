// Checks the API reference TypeDoc wrote to docs/api, so its landing page cannot go empty again:
// - the landing page (index.html) carries README.md: every `## ` heading of the README appears in it;
// - the modules are named by their import paths, exactly one per entry point of package.json "exports"
//   (`cognito-token-provider`, `cognito-token-provider/ssm`, ...), never `index` or a folder name. Each entry
//   point names itself with a `@module` tag in its first comment.
// Prints what is missing or extra; exits 1 if anything is. `npm run docs` runs it after TypeDoc.
// Usage: npm run docs   (or, after TypeDoc: node scripts/run.mjs scripts/check-api-docs.ts)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const API_DIR = join('docs', 'api');

/** The import path of each entry point: `.` is the package name, `./ssm` is `<name>/ssm`. */
function importPaths(): string[] {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
    name: string;
    exports: Record<string, unknown>;
  };
  return Object.keys(manifest.exports)
    .filter((subpath) => subpath !== './package.json')
    .map((subpath) => (subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`))
    .sort();
}

/** The text of the README's `## ` headings, as a reader sees them (no Markdown marks). */
function readmeHeadings(): string[] {
  return readFileSync('README.md', 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('## '))
    .map((line) => line.slice(3).replace(/[`*]/g, '').trim());
}

/** The names of the modules TypeDoc listed on its modules page, in its link texts. */
function moduleNames(modulesPage: string): string[] {
  return [...modulesPage.matchAll(/<a href="modules\/[^"]+"[^>]*>(?:<[^>]+>)*([^<]+)</g)]
    .map((match) => (match[1] ?? '').trim())
    .sort();
}

const decodeEntities = (html: string) =>
  html
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

const problems: string[] = [];
const indexFile = join(API_DIR, 'index.html');
if (!existsSync(indexFile)) {
  console.error(`check-api-docs: ${indexFile} is missing; run \`npm run docs\``);
  process.exit(1);
}
// Without a readme, TypeDoc lists the modules on the landing page itself and writes no modules.html.
const modulesFile = existsSync(join(API_DIR, 'modules.html')) ? join(API_DIR, 'modules.html') : indexFile;
const landing = decodeEntities(readFileSync(indexFile, 'utf8').replace(/<[^>]+>/g, ''));
for (const heading of readmeHeadings()) {
  if (!landing.includes(heading)) problems.push(`the landing page lacks the README heading "${heading}"`);
}
const expected = importPaths();
const actual = moduleNames(readFileSync(modulesFile, 'utf8'));
for (const name of expected.filter((name) => !actual.includes(name))) {
  problems.push(`no module is named "${name}": give its entry point a \`@module ${name}\` comment`);
}
for (const name of actual.filter((name) => !expected.includes(name))) {
  problems.push(`module "${name}" is not named by an import path of package.json "exports"`);
}
if (problems.length > 0) {
  for (const problem of problems) console.error(`check-api-docs: ${problem}`);
  process.exit(1);
}
console.log(`check-api-docs: the landing page carries the README; modules: ${actual.join(', ')}`);
