// A real A/B through the run store: the same cell run twice unchanged (A/A) is not a
// regression; run again with the fixture scheduler's dispatch delay on (B), `ktstr stats
// compare` flags it in wake latency or run delay and exits 1 (docs/stats.md).
// Under TCG on a 2-core host, run-to-run noise of a whole run reaches 30-50 % on some metrics
// (the replicas of one run agree far better), so the default 25 % relative gates can flag an
// A/A pair; both comparisons here use --threshold 100, above that noise and far below B's
// change (its p99 wake latency and run delay grow several times over). The suite runs other VM
// tests beside this one, so the host may be busier for one run than another: compare would then
// not judge the pair (exit 3, core/src/stats/compare.test.ts), which is not what this test is
// about, so it judges every pair (--host-wait-tolerance 100) and checks the contention was measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipReason } from '../vm/cell-env.js';

const root = join(import.meta.dirname, '..', '..');
const cellFile = join(root, 'test/fixtures/ab-delay.ktstr.ts');
const ktstr = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), ...args], {
  cwd: root, encoding: 'utf8', timeout: 400_000, env: { ...process.env, ...env },
});

interface Comparison {
  exitCode: number;
  pairs: {
    regressed: boolean;
    metrics: { metric: string; verdict: string; a: number | null; b: number | null; aRange: [number, number] | null; bRange: [number, number] | null; pValue: number | null }[];
    hostContention: { a: number | null; b: number | null; judged: boolean };
  }[];
}
/** Each metric of each pair as `name a [range] -> b [range] verdict p`, for a failure message. */
const described = (c: Comparison) => c.pairs.flatMap((p) => [
  `host wait ${p.hostContention.a} % -> ${p.hostContention.b} %`,
  ...p.metrics.map((m) => `${m.metric} ${m.a} ${JSON.stringify(m.aRange)} -> ${m.b} ${JSON.stringify(m.bRange)} ${m.verdict}${m.pValue === null ? '' : ` p ${m.pValue.toPrecision(2)}`}`),
]).join('\n');
const regressedMetrics = (c: Comparison) => c.pairs.flatMap((p) => p.metrics.filter((m) => m.verdict === 'regressed').map((m) => m.metric));

test('A/A --repeat 3 flags nothing; B with the dispatch delay is flagged as a regression', { skip: skipReason, timeout: 900_000 }, () => {
  const runs = mkdtempSync(join(tmpdir(), 'ktstr-ab-runs-'));
  try {
    const run = (env: NodeJS.ProcessEnv) => {
      const r = ktstr(['test', cellFile, '--repeat', '3', '--runs-dir', runs, '--json'], env);
      assert.equal(r.status, 0, r.stderr.slice(-3000));
      return /stored run (\d{8}T\d{6}Z-[0-9a-f]{6})/.exec(r.stderr)![1]!;
    };
    const a1 = run({});
    const a2 = run({});
    // 5 ms per dispatch decision: every wakeup of the ping-pong and pipe pairs waits for it.
    const b = run({ KTSTR_AB_DELAY_US: '5000' });

    const compare = (x: string, y: string) => {
      const r = ktstr(['stats', 'compare', x, y, '--runs-dir', runs, '--threshold', '100', '--host-wait-tolerance', '100', '--json']);
      const out = JSON.parse(r.stdout) as Comparison;
      assert.equal(out.exitCode, r.status, r.stderr);
      return out;
    };
    const aa = compare(a1, a2);
    assert.equal(aa.pairs.length, 1);
    // Every cell measured how long its QEMU waited for a host CPU: a share, so 0-100 %.
    const { a: waitA, b: waitB, judged } = aa.pairs[0]!.hostContention;
    for (const w of [waitA, waitB]) assert.ok(w !== null && w >= 0 && w < 100, `hostWaitPercent ${w}`);
    assert.equal(judged, true);
    assert.deepEqual(regressedMetrics(aa), [], `A/A flags nothing:\n${described(aa)}`);
    assert.equal(aa.exitCode, 0);

    const ab = compare(a1, b);
    assert.equal(ab.pairs.length, 1, 'A and B pair although their scheduler arguments differ');
    assert.equal(ab.exitCode, 1, `A against B:\n${described(ab)}`);
    const flagged = regressedMetrics(ab);
    assert.ok(flagged.some((m) => /p99WakeLatencyUs|meanRunDelayUs/.test(m)), `B's regressions: ${flagged.join(', ')}\n${described(ab)}`);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});
