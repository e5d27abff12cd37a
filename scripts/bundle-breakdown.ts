// Where the bytes of a handler's bundle come from, for scripts/bundle-size.ts: the built package is a few bundled
// files (entry points and shared chunks), so its metafile cannot tell the source modules apart. Here the handler
// is bundled from src instead, with the same settings, and each source file's share of the minified output is
// reported. A second
// figure answers "could shorter messages meet the budget?": the gzip size with the text of every string and
// template literal removed, so what remains is code alone.
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import ts from 'typescript';
import { fromSources } from './lambda-bundle-options.js';

/** Minified bytes per source file, largest first, and their total. */
export interface SourceBreakdown {
  readonly files: readonly { readonly file: string; readonly minified: number }[];
  readonly minified: number;
}

/**
 * Bundles `entry` as `options` say, but resolving each of the package's specifiers (`cognito-token-provider`,
 * `cognito-token-provider/ssm`) to the source its dist/esm file is built from. `root` is the package root.
 */
export async function bytesBySourceFile(entry: string, root: string, options: BuildOptions): Promise<SourceBreakdown> {
  const result = await build({
    ...options,
    entryPoints: [entry],
    outfile: 'breakdown.mjs',
    write: false,
    metafile: true,
    plugins: [...(options.plugins ?? []), fromSources(root)],
  });
  const [output] = Object.values((result.metafile as Metafile).outputs);
  const files = Object.entries(output?.inputs ?? {})
    .map(([file, input]) => ({ file, minified: input.bytesInOutput }))
    .filter(({ minified }) => minified > 0)
    .sort((a, b) => b.minified - a.minified);
  return { files, minified: files.reduce((sum, { minified }) => sum + minified, 0) };
}

/** Gzip bytes of `code` once every string literal and the text parts of every template literal are empty. */
export function gzipWithoutText(code: string): number {
  const source = ts.createSourceFile('bundle.mjs', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const cuts: [number, number][] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      cuts.push([node.getStart(source) + 1, node.getEnd() - 1]);
    } else if (ts.isTemplateHead(node) || ts.isTemplateMiddle(node)) {
      cuts.push([node.getStart(source) + 1, node.getEnd() - 2]); // keeps the closing "${"
    } else if (ts.isTemplateTail(node)) {
      cuts.push([node.getStart(source) + 1, node.getEnd() - 1]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  // Import specifiers are strings too, but no message: they stay, or the figure would flatter the code.
  const kept = cuts.filter(([start]) => !code.startsWith('@aws-sdk/', start) && !code.startsWith('node:', start));
  let stripped = code;
  for (const [start, end] of kept.sort((a, b) => b[0] - a[0]))
    stripped = stripped.slice(0, start) + stripped.slice(end);
  return gzipSync(stripped).byteLength;
}
