/**
 * Host coverage of the user's test files: the V8 coverage that Node writes when
 * NODE_V8_COVERAGE is set (one coverage-*.json per process) becomes lcov. Test files are
 * TypeScript run through tsx, so V8's ranges are offsets into the transpiled code; Node keeps
 * each script's source map in the file's `source-map-cache`, and v8-to-istanbul (the converter
 * c8 uses) maps the ranges back to the TypeScript lines through it. istanbul-lib-coverage merges
 * the per-process results before they become a Tracefile.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Profiler } from 'node:inspector';
import v8ToIstanbul from 'v8-to-istanbul';
import libCoverage from 'istanbul-lib-coverage';
import { emptyFileCoverage, type Tracefile } from './lcov.js';

interface SourceMapCacheEntry {
  lineLengths?: number[];
  data?: unknown;
}

interface V8CoverageFile {
  result: Profiler.ScriptCoverage[];
  'source-map-cache'?: Record<string, SourceMapCacheEntry>;
}

/** Whether a file is one of the user's: under one of the given paths, outside node_modules. */
export function isUnderPaths(file: string, paths: readonly string[]): boolean {
  if (file.split(sep).includes('node_modules')) return false;
  return paths.some((p) => {
    const root = resolve(p);
    return file === root || file.startsWith(root.endsWith(sep) ? root : root + sep);
  });
}

/**
 * The sources v8-to-istanbul needs for a transpiled script: the source map from Node's cache and
 * a stand-in for the transpiled text built from its line lengths (only the offsets matter).
 */
function sourcesFromCache(entry: SourceMapCacheEntry | undefined): Parameters<typeof v8ToIstanbul>[2] {
  if (!entry?.data || !entry.lineLengths) return undefined;
  const source = entry.lineLengths.map((n) => `${'.'.repeat(n)}\n`).join('');
  return { source, originalSource: '', sourceMap: { sourcemap: entry.data as never } };
}

/** lcov of the scripts under `paths` in every coverage-*.json of `v8Dir`. */
export async function v8CoverageToTracefile(v8Dir: string, paths: readonly string[]): Promise<Tracefile> {
  const map = libCoverage.createCoverageMap({});
  const files = existsSync(v8Dir) ? readdirSync(v8Dir).filter((n) => /^coverage-.*\.json$/.test(n)).sort() : [];
  for (const name of files) {
    const doc = JSON.parse(readFileSync(join(v8Dir, name), 'utf8')) as V8CoverageFile;
    const cache = doc['source-map-cache'] ?? {};
    for (const script of doc.result) {
      if (!script.url.startsWith('file://')) continue;
      const file = fileURLToPath(script.url);
      if (!isUnderPaths(file, paths) || !existsSync(file)) continue;
      const sources = sourcesFromCache(cache[script.url]);
      // A TypeScript file without a source map cannot be mapped to its lines: leave it out
      // rather than report offsets of code the user never wrote.
      if (!sources && /\.[cm]?ts$/.test(file)) continue;
      const converter = v8ToIstanbul(file, 0, sources);
      await converter.load();
      converter.applyCoverage(script.functions);
      map.merge(converter.toIstanbul());
      converter.destroy();
    }
  }
  const out: Tracefile = new Map();
  for (const path of map.files()) {
    const fc = map.fileCoverageFor(path);
    const f = emptyFileCoverage();
    for (const [ln, hits] of Object.entries(fc.getLineCoverage())) f.lines.set(Number(ln), hits);
    for (const [id, meta] of Object.entries(fc.fnMap)) {
      if (meta.name === '__name') continue; // the transpiler's helper, not the user's code
      // Anonymous functions get istanbul's generated names; keep them unique per line.
      const fnName = `${meta.name}@${meta.decl.start.line}`;
      f.functions.set(fnName, { line: meta.decl.start.line, hits: fc.f[id] ?? 0 });
    }
    for (const [id, meta] of Object.entries(fc.branchMap)) {
      (fc.b[id] ?? []).forEach((hits, i) => f.branches.set(`${meta.loc.start.line},${id},${i}`, hits));
    }
    out.set(path, f);
  }
  return out;
}
