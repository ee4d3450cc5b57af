/**
 * `ktstr export`: a test as a runfile for a machine without ktstr (docs/debugging.md), and
 * `--verify`, the host's replay of the test body against what a runfile's run reported.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KtstrError } from '../errors.js';
import { guestAgentPath } from '../fixture.js';
import type { Topology } from '../topology/topology.js';
import { topologyLabel } from '../topology/topology.js';
import type { Capture, Verdict } from './capture.js';
import type { ExportRequest } from './export-main.js';
import { buildRunfile } from './build-runfile.js';
import { checksFile } from './recorded-checks.js';

/** Matches no test name, so plain node:test tests in the imported files are skipped. */
const MATCH_NOTHING = '^\\b$';

function inChild<T>(req: ExportRequest, loader: string): T {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-export-'));
  try {
    const reqPath = join(dir, 'request.json');
    const out = join(dir, 'out.json');
    writeFileSync(reqPath, JSON.stringify(req));
    const main = fileURLToPath(new URL('./export-main.js', import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env, KTSTR_DISCOVER: '1' };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync(process.execPath, ['--import', loader, `--test-name-pattern=${MATCH_NOTHING}`, main, reqPath, out], { encoding: 'utf8', env, timeout: 120_000 });
    let answer: { ok: boolean; error?: string } & T;
    try {
      answer = JSON.parse(readFileSync(out, 'utf8'));
    } catch {
      throw new KtstrError('test files', req.files, `could not be loaded (exit ${r.status}): ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-5).join(' | ')}`,
        'Run one of them with `node --import tsx --test FILE` to see the error.');
    }
    if (!answer.ok) throw new Error(answer.error);
    return answer;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ExportOptions {
  files: string[];
  test: string;
  topology?: string;
  includeScheduler: boolean;
  loader: string;
}

export interface ExportedRunfile {
  runfile: Buffer;
  topology: Topology;
  scheduler: string | null;
  schedulerIncluded: boolean;
  checks: string[];
  hostOnly: string[];
  totalHoldMs: number;
}

export function exportTest(o: ExportOptions): ExportedRunfile {
  const a = inChild<{ topology: Topology; capture: Capture; schedulerName?: string; schedulerBinary?: string }>(
    { mode: 'capture', files: o.files, test: o.test, ...(o.topology ? { topology: o.topology } : {}) }, o.loader);
  const included = o.includeScheduler && a.schedulerBinary !== undefined;
  const runfile = buildRunfile({
    test: o.test,
    topology: a.topology,
    ...(a.schedulerName ? { scheduler: a.schedulerName } : {}),
    schedulerIncluded: included,
    hostOnly: a.capture.hostOnly,
    exportedAt: new Date().toISOString(),
    agent: guestAgentPath(),
    cell: a.capture.cell,
    checks: checksFile(a.capture.checks, a.capture.cpusets),
    ...(included ? { schedulerBinary: a.schedulerBinary } : {}),
  });
  return {
    runfile, topology: a.topology, scheduler: a.schedulerName ?? null, schedulerIncluded: included,
    checks: a.capture.checks.map((c) => c.text), hostOnly: a.capture.hostOnly, totalHoldMs: a.capture.totalHoldMs,
  };
}

export function verifyExport(o: Omit<ExportOptions, 'includeScheduler'> & { messages: string }): Verdict & { topology: string } {
  const a = inChild<{ topology: Topology; verdict: Verdict }>({ mode: 'verify', files: o.files, test: o.test, messages: o.messages, ...(o.topology ? { topology: o.topology } : {}) }, o.loader);
  return { ...a.verdict, topology: topologyLabel(a.topology) };
}
