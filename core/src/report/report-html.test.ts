import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportHtml } from './report-html.js';
import type { ReportModel } from './report-model.js';

const HOSTILE = '</script><script>window.pwned = 1</script><!-- <script>';

function model(): ReportModel {
  return {
    version: 1, generatedAt: '2026-12-01T00:00:00.000Z',
    run: { id: 'r1', dir: '/runs/r1', startedAt: 's', finishedAt: 'f', commit: null, cells: 1, passed: 0, failed: 1, skipped: 0, loadErrors: [] },
    baseline: null, comparison: null,
    cells: [{
      name: `t/${HOSTILE}/7.2`, test: 't', preset: 'p', topology: '1n1l1c1t', kernel: '7.2', scheduler: 'eevdf', status: 'failed', reason: HOSTILE,
      detail: [HOSTILE], durationMs: 1, metrics: {}, steps: [], iterations: null, workers: [], monitor: null, monitorAbsent: 'no monitor data', regressed: [], expanded: true,
    }],
  };
}

test('the page holds exactly its three scripts, whatever a reason says, and carries the data back unchanged', () => {
  const html = reportHtml(model());
  // The JSON, uPlot and our client: a reason that closed its element early would add one.
  assert.equal(html.match(/<\/script>/gi)?.length, 3);
  assert.ok(!html.includes('<!--'));
  const json = /<script type="application\/json" id="ktstr-report-data">([^]*?)<\/script>/.exec(html)![1]!;
  assert.equal((JSON.parse(json) as ReportModel).cells[0]!.reason, HOSTILE);
});

test('the page is self-contained: uPlot inline, nothing fetched, a policy that forbids fetching', () => {
  const html = reportHtml(model());
  assert.match(html, /var uPlot=function/);
  assert.match(html, /\.uplot\s*\{/);
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
});
