/** Analysis problems as LSP diagnostics. */
import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver';
import type { FileAnalysis, Severity } from '../analysis/types.js';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

export function diagnosticsOf(analysis: FileAnalysis | undefined): Diagnostic[] {
  return (analysis?.problems ?? []).map((p) => ({
    range: p.range, severity: SEVERITY[p.severity], message: p.message, code: p.code, source: 'ktstr',
  }));
}
