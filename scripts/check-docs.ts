// Type-checks every ```ts block of the docs against the BUILT package, so an example cannot drift from the API.
//
// Reads README.md, CHANGELOG.md, ARCHITECTURE.md and docs/**/*.md (not docs/api, which TypeDoc generates), takes
// each block whose info string is `ts` or `typescript` (a block marked ```ts fragment is skipped), writes each
// to its own module in a temporary project whose node_modules resolves `cognito-token-provider` (and its
// subpaths) to this repository, so through package.json "exports" to dist/, and runs tsc once over them with
// `strict` and `exactOptionalPropertyTypes`, as a careful user's project would. A block must be a whole
// program: what it uses without defining, it declares (`declare const tokens: TokenProvider;`).
//
// Prints file:line and tsc's message for every error, and exits 1 if there was any.
// Usage: npm run build && npm run check:docs [-- file.md ...]
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

interface Block {
  readonly file: string;
  /** The line of the block's first line of code, 1-based. */
  readonly line: number;
  readonly code: string;
}

const ROOT = resolve('.');
// Files given on the command line replace the default set: `npm run check:docs -- docs/fleets.md`.
const given = process.argv.slice(2);
const DOCS = given.length > 0 ? given : ['README.md', 'CHANGELOG.md', 'ARCHITECTURE.md', ...markdownUnder('docs')];

function markdownUnder(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
    .filter((file) => !file.startsWith(join('docs', 'api')))
    .sort();
}

/** The ```ts blocks of one Markdown file, fences of three or more backticks or tildes. */
function blocksOf(file: string): Block[] {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const blocks: Block[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^`]*)$/.exec(lines[index] as string);
    if (open === null) continue;
    const [, fence = '', info = ''] = open;
    const words = info.trim().split(/[\s,{}]+/);
    const start = index + 1;
    let end = start;
    while (end < lines.length && !(lines[end] as string).trimStart().startsWith(fence)) end++;
    if (['ts', 'typescript'].includes(words[0] ?? '') && !words.includes('fragment')) {
      blocks.push({ file, line: start + 1, code: lines.slice(start, end).join('\n') });
    }
    index = end;
  }
  return blocks;
}

if (!existsSync('dist/esm/index.d.ts')) {
  console.error('check-docs: dist/ is missing; run `npm run build` first');
  process.exit(1);
}

const blocks = DOCS.filter((file) => existsSync(file)).flatMap(blocksOf);
const project = mkdtempSync(join(tmpdir(), 'check-docs-'));
try {
  // The repository's packages, and the package itself under its name, as an installed dependency would be.
  mkdirSync(join(project, 'node_modules'));
  for (const entry of readdirSync('node_modules')) {
    if (entry !== '.bin' && !entry.startsWith('.')) {
      symlinkSync(resolve('node_modules', entry), join(project, 'node_modules', entry));
    }
  }
  symlinkSync(ROOT, join(project, 'node_modules', 'cognito-token-provider'), 'dir');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'docs-check', private: true, type: 'module' }));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        // Each block is a module of its own, with or without imports, so blocks never clash.
        moduleDetection: 'force',
        types: ['node'],
        strict: true,
        exactOptionalPropertyTypes: true,
        skipLibCheck: true,
        noEmit: true,
      },
      include: ['*.ts'],
    }),
  );
  blocks.forEach((block, index) => {
    writeFileSync(join(project, `block-${index}.ts`), `${block.code}\n`);
  });

  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  let output = '';
  try {
    execFileSync(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { encoding: 'utf8', cwd: project });
  } catch (error) {
    output = String((error as { stdout?: unknown }).stdout ?? error);
  }

  // tsc reports `block-3.ts(5,10): error TS2345: ...`, continued on indented lines.
  const failing = new Set<number>();
  const report: string[] = [];
  for (const line of output.split('\n')) {
    const match = /^block-(\d+)\.ts\((\d+),(\d+)\): (.*)$/.exec(line);
    if (match !== null) {
      const [, index, row, column, message] = match;
      const block = blocks[Number(index)] as Block;
      failing.add(Number(index));
      report.push(`${block.file}:${block.line + Number(row) - 1}:${column}: ${message}`);
    } else if (line.trim() !== '') {
      report.push(line.startsWith(' ') ? line : `  ${line}`);
    }
  }
  const files = new Set(blocks.map((block) => block.file)).size;
  if (report.length > 0) {
    console.error(report.join('\n'));
    console.error(`\ncheck-docs: ${failing.size} of ${blocks.length} ts blocks in ${files} files do not type-check`);
    process.exitCode = 1;
  } else {
    console.log(`check-docs: ${blocks.length} ts blocks in ${files} files type-check against dist/`);
  }
} finally {
  rmSync(project, { recursive: true, force: true });
}
