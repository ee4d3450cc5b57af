// The TypeScript in the documentation compiles against the real @ktstr/core. Every ```ts block
// of README.md and docs/*.md that has an `import` statement is a complete test file: it is
// type-checked as its own module, in strict mode, with '@ktstr/core' mapped to core/src (so a
// renamed option or builder fails here before a reader copies it). A block without an import is
// a fragment (a declaration or a few lines of a test body) and is not checked: it names things
// it does not declare. A failure names the document and the line of the block's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CodeBlock {
  doc: string;
  /** 1-based line in `doc` of the block's first line of code. */
  line: number;
  code: string;
}

/** The ```ts (or ```typescript) blocks of a Markdown text. */
export function tsBlocks(doc: string, text: string): CodeBlock[] {
  const out: CodeBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) break;
    out.push({ doc, line: i + 2, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}

/** Whether a block is a complete file (rather than a fragment): it has an import statement. */
export const isCompleteFile = (b: CodeBlock): boolean => /^import\s/m.test(b.code);

function documents(): string[] {
  return ['README.md', ...readdirSync(join(root, 'docs')).filter((n) => n.endsWith('.md')).sort().map((n) => `docs/${n}`)];
}

/** Type errors of each block, as `doc:line: message`, with every block in one program. */
function typeErrors(blocks: readonly CodeBlock[]): string[] {
  // .mts: each block is an ES module (top-level await, as test files may use) wherever it sits.
  const files = new Map(blocks.map((b, i) => [join(root, 'test', 'docs', `.block-${i}.mts`), b]));
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    baseUrl: root,
    paths: { '@ktstr/core': ['core/src/index.ts'] },
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => files.get(f)?.code ?? readFile(f);
  host.fileExists = (f) => files.has(f) || ts.sys.fileExists(f);
  host.getSourceFile = (f, lang, ...rest) => {
    const b = files.get(f);
    return b ? ts.createSourceFile(f, b.code, lang, true) : getSourceFile(f, lang, ...rest);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const out: string[] = [];
  for (const [file, b] of files) {
    const sf = program.getSourceFile(file)!;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line;
      out.push(`${b.doc}:${b.line + line}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  return out;
}

test('every complete TypeScript file in the docs type-checks against @ktstr/core', () => {
  const blocks = documents().flatMap((d) => tsBlocks(d, readFileSync(join(root, d), 'utf8'))).filter(isCompleteFile);
  // README.md's example and getting-started's first test are complete files at least.
  assert.ok(blocks.some((b) => b.doc === 'README.md'), 'README.md has a complete ```ts test file');
  const errors = typeErrors(blocks);
  assert.deepEqual(errors, [], `type errors in the docs' code:\n${errors.join('\n')}`);
});

test('a block that does not type-check is reported with its document and line', () => {
  const bad: CodeBlock = {
    doc: 'docs/example.md', line: 40,
    code: "import { work } from '@ktstr/core';\n\nwork.pipeIo({ burstUsec: 200 });\n",
  };
  const errors = typeErrors([bad]);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^docs\/example\.md:42: TS2561 .*'burstUsec'.*'burstUs'/);
});

test('blocks are found with the line of their first line of code, and only imports make a file', () => {
  const text = ['# T', '', '```ts', "import { work } from '@ktstr/core';", '```', '', '```ts', 'vm.run([]);', '```', '```sh', 'ls', '```'].join('\n');
  const blocks = tsBlocks('x.md', text);
  assert.deepEqual(blocks.map((b) => [b.line, isCompleteFile(b)]), [[4, true], [8, false]]);
});
