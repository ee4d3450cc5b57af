// `ktstr report`: one self-contained HTML page of a stored run (docs/stats.md, "Report").
export { buildReportModel, type ReportModel, type ReportCell, type ReportComparison, type ReportInput, type ReportRun, type ReportSide, type ReportStep, type ReportWorker } from './report-model.js';
export { monitorLanes, type MonitorLanes, type MonitorLanesOrWhy } from './monitor-lanes.js';
export { loadReportModel } from './load-report.js';
export { reportHtml, REPORT_CSP } from './report-html.js';
export { scriptJson, scriptCode, styleText } from './script-json.js';
