/**
 * The report as one self-contained HTML page: uPlot's script and stylesheet (from the npm
 * package, read where Node resolves it) and our client script inline, the data as JSON in a
 * <script type="application/json">. Nothing is fetched, so the page works offline, from a CI
 * artifact or a VS Code webview; its Content-Security-Policy forbids every fetch, so a page
 * that tried would fail loudly rather than render half.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { REPORT_CLIENT } from './report-client.js';
import type { ReportModel } from './report-model.js';
import { scriptCode, scriptJson, styleText } from './script-json.js';

const require = createRequire(import.meta.url);

let uplot: { js: string; css: string } | undefined;

/** uPlot's browser build: an IIFE that defines the global `uPlot`. */
function uplotAssets(): { js: string; css: string } {
  uplot ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return uplot;
}

/** Inline script and style only; no source of anything else. */
export const REPORT_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

const PAGE_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #fff; }
#report { max-width: 1000px; margin: 0 auto; padding: 16px; }
h1 { font-size: 20px; margin: 8px 0; }
h2 { font-size: 17px; margin: 24px 0 8px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 16px 0 4px; }
h4 { font-size: 13px; margin: 8px 0 2px; font-weight: 600; color: #444; }
.meta { color: #555; margin: 2px 0 8px; }
table { border-collapse: collapse; margin: 4px 0 8px; font-size: 13px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
th { background: #f5f5f7; }
tr.failed td, details.cell.failed h3 { color: #b00020; }
tr.failed td:nth-child(2) { font-weight: 600; }
tr.regressed td, tr.verdict-regressed td, h3.regressed { background: #ffe3e3; color: #8a0016; font-weight: 600; }
tr.verdict-improved td { background: #e3f6e8; }
tr.within-noise td { background: #fff6db; }
tr.skipped td { color: #888; }
.reason { color: #b00020; font-weight: 600; }
.load-error { color: #b00020; }
pre.detail { background: #f7f7f9; padding: 6px; overflow-x: auto; font-size: 12px; }
details.cell { border-top: 1px solid #ddd; padding-top: 4px; }
details.cell > summary { cursor: pointer; }
details.cell > summary h3 { display: inline-block; }
td.link { cursor: pointer; text-decoration: underline dotted; }
.chart { margin: 6px 0 12px; }
.absent { color: #777; font-style: italic; }
`;

export function reportHtml(model: ReportModel): string {
  const { js, css } = uplotAssets();
  const title = `ktstr report ${model.run.id}`.replace(/[<>&"]/g, '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${styleText(css)}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<main id="report"></main>
<script type="application/json" id="ktstr-report-data">${scriptJson(model)}</script>
<script>${scriptCode(js)}</script>
<script>${scriptCode(REPORT_CLIENT)}</script>
</body>
</html>
`;
}
