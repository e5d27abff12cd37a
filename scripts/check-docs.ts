// Type-checks the docs against the BUILT package, so an example cannot drift from the API:
// - every ```ts block of the Markdown: README.md, CHANGELOG.md, ARCHITECTURE.md and docs/**/*.md (not docs/api,
//   which TypeDoc generates); a block whose info string is `ts` or `typescript`, except one marked ```ts fragment;
// - every `@example` of the TSDoc that ships, read from the declarations in dist/esm (the hover text users see,
//   after stripInternal), and reported at its line in src/. An example is its ```ts blocks, or its whole text
//   when it has no fence; it has no `fragment` escape: every example must compile as written.
//
// Each block becomes its own module in a temporary project whose node_modules resolves `cognito-token-provider`
// (and its subpaths) to this repository, so through package.json "exports" to dist/, and one tsc run checks them
// all with `strict` and `exactOptionalPropertyTypes`, as a careful user's project would. A block must be a whole
// program: it imports what it uses from the entry point that exports it, and declares what it uses without
// defining (`declare const tokens: TokenProvider;`).
//
// Prints file:line, the export an example documents, and tsc's message for every error; exits 1 if there was any.
// Usage: npm run build && npm run check:docs [-- file.md|src/file.ts ...]
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
import ts from 'typescript';

interface Block {
  readonly file: string;
  /** The line of the block's first line of code in `file`, 1-based. */
  readonly line: number;
  readonly code: string;
  /** For an `@example`: the export it documents, as `Name` or `Name.member`. */
  readonly documents?: string;
  /** Why the block cannot be checked at all (an example fenced as another language): a failure of its own. */
  readonly problem?: string;
}

const ROOT = resolve('.');
const DECLARATIONS = join('dist', 'esm');

// Files given on the command line replace the default set: `npm run check:docs -- docs/fleets.md src/errors.ts`.
const given = process.argv.slice(2);
const MARKDOWN =
  given.length > 0
    ? given.filter((file) => file.endsWith('.md'))
    : ['README.md', 'CHANGELOG.md', 'ARCHITECTURE.md', ...filesUnder('docs', '.md')].filter(
        (file) => !file.startsWith(join('docs', 'api', '')),
      );
const SOURCES =
  given.length > 0 ? given.filter((file) => file.endsWith('.ts')).map((file) => relative(ROOT, file)) : [];

function filesUnder(folder: string, suffix: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
    .sort();
}

/** The ```ts blocks of one Markdown file, fences of three or more backticks or tildes. */
function markdownBlocks(file: string): Block[] {
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

/** A comment line without its ` * ` margin, as the author wrote it; tsc re-indents comments in declarations. */
function uncommented(line: string): string {
  return line.replace(/^\s*\*(?: |$)/, '');
}

/**
 * The `@example` blocks of one declaration file, placed at their lines in its source (`src/a/b.ts` for
 * `dist/esm/a/b.d.ts`). One example may hold several ```ts blocks; an example without a fence is code throughout.
 * A fence of another language is reported as a block that cannot compile, so no example escapes the check.
 */
function exampleBlocks(declarationFile: string): Block[] {
  const text = readFileSync(declarationFile, 'utf8');
  const source = ts.createSourceFile(declarationFile, text, ts.ScriptTarget.Latest, true);
  const sourceFile = join('src', relative(DECLARATIONS, declarationFile)).replace(/\.d\.ts$/, '.ts');
  const sourceLines = existsSync(sourceFile) ? readFileSync(sourceFile, 'utf8').split(/\r?\n/).map(uncommented) : [];
  const blocks: Block[] = [];
  const seen = new Set<number>();
  let searchFrom = 0;
  const visit = (node: ts.Node): void => {
    for (const tag of ts.getJSDocTags(node)) {
      // A variable's documentation is found from its statement and its declaration alike: take it once.
      if (tag.tagName.text !== 'example' || seen.has(tag.pos)) continue;
      seen.add(tag.pos);
      const documents = documentedName(node);
      const firstLine = source.getLineAndCharacterOfPosition(tag.pos).line;
      // The tag runs to the next tag or the comment's end; its first line ("@example" and any title) is no code.
      const lines = text.slice(tag.pos, tag.end).split(/\r?\n/).map(uncommented).slice(1);
      for (const part of examplePieces(lines)) {
        // Declarations keep the source's order, so each example is looked for after the one before it.
        const found = sourceLine(sourceLines, part.lines, searchFrom) ?? sourceLine(sourceLines, part.lines, 0);
        if (found !== undefined) searchFrom = found;
        const line = found ?? firstLine + 2 + part.offset;
        const file = sourceLines.length > 0 ? sourceFile : declarationFile;
        blocks.push({ file, line, documents, ...part.block });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return blocks;
}

interface ExamplePiece {
  /** Offset of the first code line from the line after `@example`. */
  readonly offset: number;
  readonly lines: readonly string[];
  readonly block: Pick<Block, 'code' | 'problem'>;
}

function examplePieces(lines: readonly string[]): ExamplePiece[] {
  const pieces: ExamplePiece[] = [];
  let fenced = false;
  for (let index = 0; index < lines.length; index++) {
    const open = /^(`{3,}|~{3,})\s*(\S*)/.exec(lines[index] as string);
    if (open === null) continue;
    fenced = true;
    const [, fence = '', language = ''] = open;
    let end = index + 1;
    while (end < lines.length && !(lines[end] as string).startsWith(fence)) end++;
    const body = lines.slice(index + 1, end);
    // Not TypeScript: a failure saying so, rather than an example nobody checks.
    const block = ['ts', 'typescript'].includes(language)
      ? { code: body.join('\n') }
      : { code: '', problem: `a \`\`\`${language} block, where an @example holds \`\`\`ts` };
    pieces.push({ offset: index + 1, lines: body, block });
    index = end;
  }
  if (!fenced) {
    const body = [...lines];
    while (body.length > 0 && (body.at(-1) as string).trim() === '') body.pop();
    if (body.length > 0) pieces.push({ offset: 0, lines: body, block: { code: body.join('\n') } });
  }
  return pieces;
}

/** The 1-based line in the source where these example lines start, found by their text. */
function sourceLine(sourceLines: readonly string[], lines: readonly string[], from: number): number | undefined {
  if (lines.length === 0) return undefined;
  for (let start = from; start + lines.length <= sourceLines.length; start++) {
    if (lines.every((line, offset) => sourceLines[start + offset] === line)) return start + 1;
  }
  return undefined;
}

/** `Name` for a top-level export, `Name.member` for a member, `Name.member` of a type literal's owner too. */
function documentedName(node: ts.Node): string {
  const names: string[] = [];
  for (let current: ts.Node | undefined = node; current !== undefined; current = current.parent) {
    const name = nameOf(current);
    if (name !== undefined) names.unshift(name);
  }
  return names.join('.') || '(unnamed)';
}

function nameOf(node: ts.Node): string | undefined {
  if (ts.isVariableStatement(node)) return node.declarationList.declarations[0]?.name.getText();
  if (ts.isVariableDeclaration(node) && ts.isVariableStatement(node.parent.parent)) return undefined;
  const name = (node as { name?: ts.Node }).name;
  if (name === undefined || ts.isSourceFile(node)) return undefined;
  return ts.isComputedPropertyName(name) ? `[${name.expression.getText()}]` : name.getText();
}

if (!existsSync(join(DECLARATIONS, 'index.d.ts'))) {
  console.error('check-docs: dist/ is missing; run `npm run build` first');
  process.exit(1);
}

const declarationFiles =
  given.length > 0
    ? SOURCES.map((file) => join(DECLARATIONS, relative('src', file)).replace(/\.ts$/, '.d.ts')).filter(existsSync)
    : filesUnder(DECLARATIONS, '.d.ts');
const markdown = MARKDOWN.filter((file) => existsSync(file)).flatMap(markdownBlocks);
const examples = declarationFiles.flatMap(exampleBlocks);
const blocks = [...markdown, ...examples];
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
  const located = (block: Block, row: number, column: number | string) => {
    const where = `${block.file}:${block.line + row - 1}:${column}`;
    return block.documents === undefined ? where : `${where}: @example of ${block.documents}`;
  };
  blocks.forEach((block, index) => {
    if (block.problem === undefined) return;
    failing.add(index);
    report.push(`${located(block, 0, 1)}: ${block.problem}`);
  });
  for (const line of output.split('\n')) {
    const match = /^block-(\d+)\.ts\((\d+),(\d+)\): (.*)$/.exec(line);
    if (match !== null) {
      const [, index, row, column, message] = match;
      const block = blocks[Number(index)] as Block;
      failing.add(Number(index));
      report.push(`${located(block, Number(row), Number(column))}: ${message}`);
    } else if (line.trim() !== '') {
      report.push(line.startsWith(' ') ? line : `  ${line}`);
    }
  }
  const count = (from: number, to: number) => [...failing].filter((index) => index >= from && index < to).length;
  const failingMarkdown = count(0, markdown.length);
  const failingExamples = count(markdown.length, blocks.length);
  const markdownFiles = new Set(markdown.map((block) => block.file)).size;
  const exampleFiles = new Set(examples.map((block) => block.file)).size;
  const checked =
    `${markdown.length} ts blocks in ${markdownFiles} Markdown files and ` +
    `${examples.length} @example blocks in ${exampleFiles} source files`;
  if (report.length > 0) {
    console.error(report.join('\n'));
    console.error(
      `\ncheck-docs: ${failingMarkdown} of the ${markdown.length} Markdown blocks and ${failingExamples} of the ` +
        `${examples.length} @example blocks do not type-check against dist/`,
    );
    process.exitCode = 1;
  } else {
    console.log(`check-docs: ${checked} type-check against dist/`);
  }
} finally {
  rmSync(project, { recursive: true, force: true });
}
