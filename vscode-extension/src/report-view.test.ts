import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReportSummary, REPORT_ARGS, webviewHtml } from './report-view.js';

test('the command asks the CLI for the latest run\'s report as JSON', () => {
  assert.deepEqual(REPORT_ARGS, ['report', '--json']);
});

test('the summary of ktstr report --json is read; anything else is not a summary', () => {
  assert.deepEqual(parseReportSummary('{"path":"/p/.ktstr/runs/r/report.html","run":"r","passed":1,"failed":2,"skipped":0,"regressions":null}'),
    { path: '/p/.ktstr/runs/r/report.html', run: 'r', passed: 1, failed: 2, skipped: 0 });
  assert.equal(parseReportSummary('ktstr: error: RUN: finds no run'), undefined);
  assert.equal(parseReportSummary('{"run":"r"}'), undefined);
});

test('the webview gets its own policy in place of the page\'s, allowing the inline scripts and nothing fetched', () => {
  const page = '<!doctype html><html><head>\n<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="default-src \'none\'">\n</head><body><script>x()</script></body></html>';
  const html = webviewHtml(page, 'https://file+.vscode-resource.vscode-cdn.net');
  assert.equal(html.match(/Content-Security-Policy/g)?.length, 1);
  assert.match(html, /content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src https:\/\/file\+\.vscode-resource\.vscode-cdn\.net data:"/);
  assert.match(html, /<script>x\(\)<\/script>/);
  // A page without a policy gets one at the top of its head.
  assert.match(webviewHtml('<html><head><title>t</title></head></html>', 'src'), /<head>\n<meta http-equiv="Content-Security-Policy"/);
});
