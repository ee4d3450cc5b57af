#!/usr/bin/env node
/**
 * The ktstr language server over stdio: wiring only. Documents and file events feed the
 * Workspace; each change re-analyses the files it invalidated and republishes their
 * diagnostics. Everything it answers comes from src/analysis (pure) through src/handlers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind, createConnection, FileChangeType, type InitializeParams, type InitializeResult, ProposedFeatures, TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { findCachedKernel, type GuestArch } from '@ktstr/core';
import { Workspace } from './analysis/workspace.js';
import type { AnalysisSettings } from './analysis/types.js';
import { diagnosticsOf } from './handlers/diagnostics.js';
import { codeActionsOf } from './handlers/code-actions.js';
import { codeLensesOf } from './handlers/code-lens.js';
import { contains, hoverOf } from './handlers/hover.js';
import { completionsAt } from './handlers/completion.js';
import { COMMANDS } from './handlers/commands.js';
import { testArgs } from './handlers/test-args.js';

/** What the client may pass as initializationOptions (the extension forwards its settings). */
interface InitOptions {
  kernels?: string[];
  arch?: 'x86_64' | 'aarch64';
}

/** Without configured kernels, the cached ones, as `ktstr test` would pick among them. */
/**
 * The kernel `ktstr test` would run without --kernel, so cell names here are the ones the CLI
 * reports: the same choice as core's (findCachedKernel skips secondary-suite, built and other
 * architectures' kernels unless named), honouring KTSTR_KERNEL when it names a cached kernel.
 */
function defaultKernels(arch: GuestArch = 'x86_64'): string[] {
  const named = process.env.KTSTR_KERNEL && !process.env.KTSTR_KERNEL.includes('/') ? process.env.KTSTR_KERNEL : undefined;
  const k = (named ? findCachedKernel(named, arch) : undefined) ?? findCachedKernel(undefined, arch);
  return k ? [k.release] : ['default'];
}

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let workspace = new Workspace({ kernels: defaultKernels(), arch: 'x86_64' });
let settings: AnalysisSettings = { kernels: [], arch: 'x86_64' };
let roots: string[] = [];
let ready = false;

const toPath = (uri: string): string | undefined => (uri.startsWith('file:') ? fileURLToPath(uri) : undefined);
const toUri = (path: string): string => pathToFileURL(path).href;

function publish(paths: readonly string[]): void {
  for (const path of paths) {
    void connection.sendDiagnostics({ uri: toUri(path), diagnostics: diagnosticsOf(workspace.analyse(path)) });
  }
}

connection.onInitialize((params: InitializeParams): InitializeResult => {
  const init = (params.initializationOptions ?? {}) as InitOptions;
  settings = { kernels: init.kernels?.length ? init.kernels : defaultKernels(init.arch ?? 'x86_64'), arch: init.arch ?? 'x86_64' };
  workspace = new Workspace(settings);
  roots = (params.workspaceFolders ?? []).map((f) => toPath(f.uri)).filter((p): p is string => p !== undefined);
  if (roots.length === 0 && params.rootUri) roots = [toPath(params.rootUri)].filter((p): p is string => p !== undefined);
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      hoverProvider: true,
      completionProvider: { triggerCharacters: ['.', "'", '"', ' '] },
      executeCommandProvider: { commands: [COMMANDS.listTests] },
    },
    serverInfo: { name: 'ktstr-language-server', version: '0.1.0' },
  };
});

connection.onInitialized(() => {
  const started = performance.now();
  const n = workspace.discover(roots);
  // Open buffers win over what is on disk.
  for (const doc of documents.all()) {
    const p = toPath(doc.uri);
    if (p) workspace.setFile(p, doc.getText());
  }
  ready = true;
  const tests = workspace.tests();
  connection.console.info(`ktstr: ${n} files, ${tests.length} tests, ${workspace.schedulers().length} schedulers in ${Math.round(performance.now() - started)} ms`);
  publish(workspace.paths().filter((p) => (workspace.analyse(p)?.problems.length ?? 0) > 0 || documents.get(toUri(p))));
});

documents.onDidChangeContent((e) => {
  const path = toPath(e.document.uri);
  if (!path || !/\.(ts|mts|cts|tsx)$/.test(path)) return;
  const touched = workspace.setFile(path, e.document.getText());
  if (ready) publish(touched.length > 0 ? touched : [path]);
});

connection.onDidChangeWatchedFiles((e) => {
  for (const change of e.changes) {
    const path = toPath(change.uri);
    if (!path || documents.get(change.uri)) continue; // open buffers are authoritative
    if (change.type === FileChangeType.Deleted) {
      publish(workspace.removeFile(path));
      void connection.sendDiagnostics({ uri: change.uri, diagnostics: [] });
    } else {
      if (existsSync(path) && /\.(ts|mts|cts|tsx)$/.test(path)) publish(workspace.setFile(path, readFileSync(path, 'utf8')));
    }
  }
});

connection.onCodeLens((p) => {
  const path = toPath(p.textDocument.uri);
  return path ? codeLensesOf(workspace.analyse(path)) : [];
});

connection.onCodeAction((p) => {
  const path = toPath(p.textDocument.uri);
  return path ? codeActionsOf(workspace.analyse(path), p.textDocument.uri, p.range) : [];
});

connection.onHover((p) => {
  const path = toPath(p.textDocument.uri);
  return path ? hoverOf(workspace.analyse(path), p.position) : null;
});

connection.onCompletion((p) => {
  const path = toPath(p.textDocument.uri);
  const doc = documents.get(p.textDocument.uri);
  if (!path || !doc) return [];
  const lineText = doc.getText({ start: { line: p.position.line, character: 0 }, end: { line: p.position.line + 1, character: 0 } }).replace(/\r?\n$/, '');
  const inTestOptions = (workspace.analyse(path)?.tests ?? []).some((t) => t.optionsRange && contains(t.optionsRange, p.position));
  return completionsAt({ lineText, pos: p.position, inTestOptions, schedulers: workspace.schedulers(), arch: settings.arch });
});

connection.onExecuteCommand((p) => {
  if (p.command !== COMMANDS.listTests) return undefined;
  // Arguments: [uri?]; without one, every test in the workspace.
  const uri = p.arguments?.[0];
  const path = typeof uri === 'string' ? toPath(uri) : undefined;
  const tests = path ? (workspace.analyse(path)?.tests ?? []) : workspace.tests();
  return tests.map(testArgs);
});

documents.listen(connection);
connection.listen();
