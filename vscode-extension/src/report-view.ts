/**
 * "ktstr: Open Latest Run Report", the parts that need no editor: the CLI's arguments, reading
 * its `--json` summary, and the page as a webview shows it. No `vscode` import, so it is
 * unit-tested under plain node.
 */

/** `ktstr report --json`: the latest run of the workspace's runs directory, written beside it. */
export const REPORT_ARGS: readonly string[] = ['report', '--json'];

export interface ReportSummary {
  path: string;
  run: string;
  failed: number;
  passed: number;
  skipped: number;
}

/** The summary `ktstr report --json` prints; undefined when stdout is not one. */
export function parseReportSummary(stdout: string): ReportSummary | undefined {
  try {
    const v = JSON.parse(stdout) as Partial<ReportSummary>;
    if (typeof v.path !== 'string' || typeof v.run !== 'string') return undefined;
    return { path: v.path, run: v.run, failed: Number(v.failed ?? 0), passed: Number(v.passed ?? 0), skipped: Number(v.skipped ?? 0) };
  } catch {
    return undefined;
  }
}

/**
 * The webview's policy: the page's inline script (uPlot and the renderer) and inline styles, the
 * webview's own resources for images; nothing else, as the page itself asks.
 */
export function webviewCsp(cspSource: string): string {
  return `default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src ${cspSource} data:`;
}

const CSP_META = /<meta http-equiv="Content-Security-Policy"[^>]*>/i;

/** The report page with its policy replaced by the webview's (or given one, if it had none). */
export function webviewHtml(page: string, cspSource: string): string {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${webviewCsp(cspSource).replace(/"/g, '&quot;')}">`;
  if (CSP_META.test(page)) return page.replace(CSP_META, () => meta);
  return page.replace(/<head>/i, () => `<head>\n${meta}`);
}
