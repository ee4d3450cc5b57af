/**
 * The workspace as the analysis sees it: every TypeScript file's facts, and each file's
 * analysis cached until a file it was computed from changes. An edit re-parses one file and
 * re-analyses only that file and the files whose results read it (their `deps`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Project } from 'ts-morph';
import type { ModuleGraph } from './evaluate.js';
import { type FileFacts, readFileFacts } from './file-facts.js';
import { analyseFile } from './analyse-file.js';
import type { AnalysisSettings, FileAnalysis, SchedulerSummary, TestSummary } from './types.js';

const SOURCE = /\.(ts|mts|cts|tsx)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', 'out', 'coverage']);
/** Generated bundles and the like are not test files; parsing them would only cost time. */
const MAX_FILE_BYTES = 512 * 1024;

export class Workspace implements ModuleGraph {
  private readonly project = new Project({ useInMemoryFileSystem: true, skipLoadingLibFiles: true });
  private readonly files = new Map<string, FileFacts>();
  private readonly cache = new Map<string, FileAnalysis>();

  constructor(private settings: AnalysisSettings) {}

  /** Reads every TypeScript file under `roots` (skipping node_modules, dist and dot-folders). */
  discover(roots: readonly string[]): number {
    let n = 0;
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        if (name.startsWith('.') || SKIP_DIRS.has(name)) continue;
        const p = join(dir, name);
        const st = statSync(p, { throwIfNoEntry: false });
        if (!st) continue;
        if (st.isDirectory()) walk(p);
        else if (SOURCE.test(name) && !name.endsWith('.d.ts') && st.size <= MAX_FILE_BYTES) {
          this.parse(p, readFileSync(p, 'utf8'));
          n++;
        }
      }
    };
    for (const r of roots) if (existsSync(r)) walk(resolve(r));
    this.cache.clear();
    return n;
  }

  /**
   * Sets a file's text (an open editor buffer or a change on disk). Returns the files whose
   * analysis this invalidated, the file itself first.
   */
  setFile(path: string, text: string): string[] {
    const known = this.files.has(path);
    if (known && this.files.get(path)!.sourceFile.getFullText() === text) return [];
    this.parse(path, text);
    // A new file can satisfy an import that did not resolve before: re-check every file then.
    return known ? this.invalidate(path) : this.invalidateAll(path);
  }

  removeFile(path: string): string[] {
    const facts = this.files.get(path);
    if (!facts) return [];
    this.project.removeSourceFile(facts.sourceFile);
    this.files.delete(path);
    this.cache.delete(path);
    return this.invalidateAll(path).filter((p) => p !== path);
  }

  setSettings(settings: AnalysisSettings): string[] {
    this.settings = settings;
    this.cache.clear();
    return [...this.files.keys()];
  }

  paths(): string[] {
    return [...this.files.keys()];
  }

  /** The file's analysis, from the cache when nothing it read has changed. */
  analyse(path: string): FileAnalysis | undefined {
    const cached = this.cache.get(path);
    if (cached) return cached;
    const facts = this.files.get(path);
    if (!facts) return undefined;
    const result = analyseFile(facts, this, this.settings);
    this.cache.set(path, result);
    return result;
  }

  /** Analyses every file from scratch, ignoring the cache (the baseline incremental beats). */
  analyseAllFresh(): FileAnalysis[] {
    this.cache.clear();
    return this.paths().map((p) => this.analyse(p)!);
  }

  tests(): TestSummary[] {
    return this.paths().flatMap((p) => this.analyse(p)?.tests ?? []);
  }

  schedulers(): SchedulerSummary[] {
    return this.paths().flatMap((p) => this.analyse(p)?.schedulers ?? []);
  }

  facts(path: string): FileFacts | undefined {
    return this.files.get(path);
  }

  resolveModule(fromPath: string, specifier: string): string | undefined {
    if (!specifier.startsWith('.')) return undefined;
    const base = resolve(dirname(fromPath), specifier);
    const stem = base.replace(/\.(js|mjs|cjs|ts|mts|cts)$/, '');
    for (const candidate of [base, `${stem}.ts`, `${stem}.mts`, `${stem}.tsx`, join(base, 'index.ts')]) {
      if (this.files.has(candidate)) return candidate;
    }
    return undefined;
  }

  private parse(path: string, text: string): void {
    const sf = this.project.createSourceFile(path, text, { overwrite: true });
    this.files.set(path, readFileFacts(path, sf));
  }

  private invalidate(path: string): string[] {
    const hit = [path];
    this.cache.delete(path);
    for (const [p, a] of this.cache) {
      if (a.deps.has(path)) {
        this.cache.delete(p);
        hit.push(p);
      }
    }
    return hit;
  }

  private invalidateAll(path: string): string[] {
    this.cache.clear();
    return [path, ...[...this.files.keys()].filter((p) => p !== path)];
  }
}
