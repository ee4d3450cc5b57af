/** Analysis problems as LSP diagnostics. */
import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver';
import type { FileAnalysis, Problem, Severity } from '../analysis/types.js';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

export function diagnosticOf(p: Problem): Diagnostic {
  return { range: p.range, severity: SEVERITY[p.severity], message: p.message, code: p.code, source: 'ktstr' };
}

export function diagnosticsOf(analysis: FileAnalysis | undefined): Diagnostic[] {
  return (analysis?.problems ?? []).map(diagnosticOf);
}
