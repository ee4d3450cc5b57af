/**
 * One file's analysis: its scheduler declarations and tests, each test's cells, and every
 * problem, placed on the property that causes it. The rules are core's (gates, expansion,
 * scheduler and scenario validation are called, not restated); this module only reads values
 * out of the source and maps core's error fields back onto source ranges.
 */
import { type CallExpression, Node, SyntaxKind } from 'ts-morph';
import {
  BUILTIN_MODULE, declareScheduler, declareTest, expandTest, GATE_FIELDS, gateFailure, gateProblems, KtstrError, topologyLabel, type CgroupDef,
  type GauntletCell, type TestGates, type Topology, validateThresholds, validateTopology, work,
} from '@ktstr/core';
import { findPreset, presetNames } from '@ktstr/presets';
import { type BuiltinSchedulerRef, Evaluator, isBuiltinSchedulerRef, isSchedulerRef, type ModuleGraph, Unresolved } from './evaluate.js';
import type { FileFacts } from './file-facts.js';
import { configPairingProblem } from './config-pairing.js';
import { scenarioProblem } from './scenario-check.js';
import { rangeOf } from './ranges.js';
import { Problems } from './problems.js';
import { errorHints, type GateFixContext, gateFixes, gateQuickFixes } from './gate-fix.js';
import { type CellShape, checkCpuLists } from './cpu-list-check.js';
import type { AnalysisSettings, FileAnalysis, SchedulerSummary, Severity, TestSummary } from './types.js';

/** The default a test gets when it sets no durationMs (ktstrTest's own default). */
const DEFAULT_DURATION_MS = 2000;
const COUNT_OPTIONS = ['durationMs', 'timeoutMs', 'memoryMiB'] as const;



/** The node where core's error field `where.a.b` was written, walking evaluated origins. */
function nodeForField(ev: Evaluator, field: string, where: string, root: unknown, fallback: Node, path: string): Node {
  const rest = field.startsWith(`${where}.`) ? field.slice(where.length + 1) : '';
  let best = fallback;
  let value: unknown = root;
  for (const key of rest.split(/[.[\]]+/).filter(Boolean)) {
    if (typeof value !== 'object' || value === null) break;
    const node = ev.origins.get(value)?.props.get(key);
    if (!node) break;
    if (node.getSourceFile().getFilePath() === path) best = node;
    value = (value as Record<string, unknown>)[key];
  }
  return best;
}

function message(e: KtstrError, where: string): string {
  // The field prefix repeats what the editor already shows (the test the squiggle is in).
  const text = e.message.startsWith(`${where}.`) ? e.message.slice(where.length + 1) : e.message;
  return text.replace(/^([\w.[\]]+): /, '$1 ');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Unresolved);
}

interface SchedulerRead {
  summary: SchedulerSummary;
  problems: { node: Node; code: string; message: string }[];
}

/** Reads one `declareScheduler(...)` call and validates it by running core's declareScheduler. */
function readScheduler(call: CallExpression, ev: Evaluator): SchedulerRead {
  const path = call.getSourceFile().getFilePath();
  const parent = call.getParentIfKind(SyntaxKind.VariableDeclaration);
  const arg = call.getArguments()[0];
  const options = arg ? ev.evaluate(arg) : new Unresolved('declareScheduler has no options', call);
  const summary: SchedulerSummary = {
    path, range: rangeOf(call), name: undefined, binding: parent?.getName(), topology: undefined, binary: undefined, schedArgs: [], hasConfigFile: false,
  };
  const problems: SchedulerRead['problems'] = [];
  if (!isPlainObject(options)) return { summary, problems };
  if (typeof options.name === 'string') summary.name = options.name;
  if (typeof options.binary === 'string') summary.binary = options.binary;
  if (Array.isArray(options.schedArgs) && options.schedArgs.every((a) => typeof a === 'string')) summary.schedArgs = options.schedArgs as string[];
  summary.hasConfigFile = options.configFile !== undefined;
  const where = `declareScheduler(${JSON.stringify(options.name)})`;
  // Core's declareScheduler only checks and freezes (no fs), so running it is exact and safe;
  // unresolved fields are swapped for harmless stand-ins so the others are still checked.
  const known = Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v instanceof Unresolved ? standIn(k) : v]));
  try {
    summary.topology = declareScheduler(known as never).topology;
    if (options.topology instanceof Unresolved) summary.topology = undefined;
  } catch (e) {
    if (!(e instanceof KtstrError)) throw e;
    problems.push({ node: nodeForField(ev, e.field, where, options, arg!, path), code: 'scheduler', message: message(e, where) });
  }
  const attach = options.attachTimeoutMs;
  if (attach !== undefined && !(attach instanceof Unresolved) && !(typeof attach === 'number' && Number.isInteger(attach) && attach > 0)) {
    problems.push({ node: ev.origins.get(options)?.props.get('attachTimeoutMs') ?? arg!, code: 'count',
      message: `attachTimeoutMs must be a whole number of ms > 0 (got ${JSON.stringify(attach)}). E.g. attachTimeoutMs: 60000.` });
  }
  return { summary, problems };
}

/**
 * A scheduler core declares itself, from core's manifest. Its binary is named by file: `ktstr
 * shell --scheduler` looks that name up in core's fixture directory like the runner does.
 */
function builtinSummary(ref: BuiltinSchedulerRef, at: Node): SchedulerSummary {
  const d = ref.decl;
  return {
    path: BUILTIN_MODULE, range: rangeOf(at), name: d.name, binding: ref.exported, topology: d.topology, binary: d.binaryFile,
    schedArgs: [...d.schedArgs], hasConfigFile: d.hasConfigFile,
  };
}

function standIn(key: string): unknown {
  if (key === 'name') return 'unresolved';
  if (key === 'binary') return 'unresolved';
  if (key === 'schedArgs') return [];
  return undefined;
}

/** Reads, expands and checks one `ktstrTest(...)` call. */
function analyseTest(call: CallExpression, facts: FileFacts, ev: Evaluator, settings: AnalysisSettings, out: Problems): TestSummary {
  const path = call.getSourceFile().getFilePath();
  const [nameArg, optionsArg, bodyArg] = call.getArguments();
  const summary: TestSummary = { path, range: rangeOf(call), optionsRange: optionsArg ? rangeOf(optionsArg) : undefined, name: undefined, scheduler: undefined, cells: [], excluded: [], unresolved: undefined };
  const nameValue = nameArg ? ev.evaluate(nameArg) : undefined;
  if (typeof nameValue === 'string') summary.name = nameValue;
  else {
    summary.unresolved = 'the test name is computed at run time';
    out.add(nameArg ?? call, call, 'information', 'runtime', 'Test name computed at run time: its cells are known only when it runs.');
  }
  const where = `ktstrTest(${JSON.stringify(summary.name ?? '?')})`;
  const options = optionsArg ? ev.evaluate(optionsArg) : {};
  const anchor = optionsArg ?? call;
  if (!isPlainObject(options)) {
    summary.unresolved = 'the options are computed at run time';
    out.add(anchor, call, 'information', 'runtime', 'Options computed at run time: gates computed at run time, so cells and gate checks happen when the test runs.');
    return summary;
  }
  const origin = ev.origins.get(options);
  const propNode = (key: string): Node => {
    const n = origin?.props.get(key);
    return n && n.getSourceFile().getFilePath() === path ? n : anchor;
  };
  const report = (e: KtstrError, severity: Severity, code: string) => out.add(nodeForField(ev, e.field, where, options, anchor, path), anchor, severity, code, message(e, where));

  // Values the analysis cannot know: reported once each, never guessed.
  const runtime = Object.entries(options).filter(([, v]) => v instanceof Unresolved) as [string, Unresolved][];
  for (const [key, v] of runtime) {
    const gate = (GATE_FIELDS as readonly string[]).includes(key);
    out.add(propNode(key), anchor, 'information', 'runtime',
      `${key} computed at run time (${v.reason})${gate ? ': gates computed at run time, so the cells are known only when the test runs' : ''}.`);
  }
  if (origin?.partial) summary.unresolved = 'some options are computed at run time';

  // The scheduler, resolved through constants and imports.
  let schedulerTopology: Topology | undefined;
  if (options.scheduler !== undefined && !(options.scheduler instanceof Unresolved)) {
    if (isSchedulerRef(options.scheduler)) {
      const read = readScheduler(options.scheduler.call, ev);
      summary.scheduler = read.summary;
      schedulerTopology = read.summary.topology;
      if (read.summary.name === undefined) summary.unresolved = 'the scheduler name is computed at run time';
    } else if (isBuiltinSchedulerRef(options.scheduler)) {
      summary.scheduler = builtinSummary(options.scheduler, call);
      schedulerTopology = summary.scheduler.topology;
    } else {
      out.add(propNode('scheduler'), anchor, 'error', 'scheduler', 'scheduler is not a declareScheduler(...) value. Pass the constant declareScheduler returned.');
      summary.unresolved = 'the scheduler is not a declared scheduler';
    }
  } else if (options.scheduler instanceof Unresolved) {
    summary.unresolved = 'the scheduler is computed at run time';
  }

  // Durations and counts.
  for (const key of COUNT_OPTIONS) {
    const v = options[key];
    if (v === undefined || v instanceof Unresolved) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      const unit = key === 'memoryMiB' ? 'MiB' : 'ms';
      out.add(propNode(key), anchor, 'error', 'count', `${key} must be a whole number of ${unit} > 0 (got ${JSON.stringify(v)}). E.g. ${key}: ${key === 'memoryMiB' ? 512 : 2000}.`);
    }
  }
  if (options.extraSchedArgs !== undefined && !(options.extraSchedArgs instanceof Unresolved)
    && !(Array.isArray(options.extraSchedArgs) && options.extraSchedArgs.every((a) => typeof a === 'string' || a instanceof Unresolved))) {
    out.add(propNode('extraSchedArgs'), anchor, 'error', 'sched-args', 'extraSchedArgs must be an array of strings, e.g. extraSchedArgs: [\'--slice-us\', \'5000\'].');
  }

  // Assertion thresholds: core's validator, key by key, so a value computed at run time leaves the others checked.
  const thresholds = options.thresholds;
  if (thresholds !== undefined && !(thresholds instanceof Unresolved)) {
    const entries = typeof thresholds === 'object' && thresholds !== null && !Array.isArray(thresholds) ? Object.entries(thresholds) : [['', thresholds] as const];
    for (const [k, v] of entries) {
      if (v instanceof Unresolved) continue;
      try {
        validateThresholds(k === '' ? v : { [k]: v }, where);
      } catch (e) {
        if (!(e instanceof KtstrError)) throw e;
        out.add(nodeForField(ev, e.field, where, options, anchor, path), anchor, 'error', 'thresholds', message(e, where));
      }
    }
  }

  // An explicit topology: checked by core's validator; a preset name gets its shape suggested.
  let topology: Topology | undefined;
  if (options.topology !== undefined && !(options.topology instanceof Unresolved)) {
    try {
      topology = validateTopology(options.topology, `${where}.topology`);
    } catch (e) {
      if (!(e instanceof KtstrError)) throw e;
      const preset = typeof options.topology === 'string' ? findPreset(options.topology) : undefined;
      const text = typeof options.topology === 'string'
        ? preset
          ? `topology takes a shape, not a preset name: write topology: ${JSON.stringify(preset.topology).replace(/"/g, '')} (${preset.name}), or use \`ktstr test --topology ${preset.name}\`.`
          : `topology ${JSON.stringify(options.topology)} is not a preset name; presets are ${presetNames(settings.arch).join(', ')}.`
        : message(e, where);
      out.add(nodeForField(ev, e.field, where, options, anchor, path), anchor, 'error', typeof options.topology === 'string' ? 'preset' : 'topology', text);
      summary.unresolved = 'the topology is invalid';
    }
  } else if (options.topology instanceof Unresolved) {
    summary.unresolved = 'the topology is computed at run time';
  }

  // Gates, performanceMode/noPerfMode, and gates no preset passes: core's own checks.
  const gateInput = Object.fromEntries(Object.entries(options).filter(([k, v]) => !(v instanceof Unresolved)
    && ((GATE_FIELDS as readonly string[]).includes(k) || k === 'performanceMode' || k === 'noPerfMode')));
  const gateErrors = gateProblems(gateInput, where, settings.arch);
  for (const e of gateErrors) {
    // "No preset passes" names the test, not a field: put it on every gate that is set.
    if (e.field === where) {
      const set = GATE_FIELDS.filter((f) => gateInput[f] !== undefined);
      for (const f of set.length ? set : [undefined]) out.add(f ? propNode(f) : anchor, anchor, 'error', 'gates', message(e, where));
    } else {
      report(e, 'error', 'gates');
    }
  }
  const gatesKnown = !runtime.some(([k]) => (GATE_FIELDS as readonly string[]).includes(k));

  // A scheduler whose default topology the gates exclude silently loses its home cell.
  if (gateErrors.length === 0 && gatesKnown && !topology && schedulerTopology && summary.scheduler) {
    const failure = gateFailure(schedulerTopology, gateInput);
    if (failure) {
      out.add(propNode('scheduler'), anchor, 'warning', 'scheduler-topology',
        `Scheduler ${summary.scheduler.name}'s default topology ${topologyLabel(schedulerTopology)} is outside this test's gates (${failure}). `
        + 'Loosen the gates, give the test its own topology, or change the scheduler\'s topology.');
    }
  }

  // Config pairing between the scheduler and this test.
  if (summary.scheduler || options.config !== undefined) {
    const pairing = configPairingProblem(summary.scheduler ? { name: summary.scheduler.name ?? summary.scheduler.binding ?? 'scheduler', hasConfigFile: summary.scheduler.hasConfigFile } : undefined, options.config !== undefined, where);
    if (pairing) out.add(options.config !== undefined ? propNode('config') : propNode('scheduler'), anchor, 'error', 'config-pairing', message(pairing, where));
  }

  // The cells: core's expansion, over the configured kernels. core's declareTest builds what
  // the planner expands (defaults included), so the cells here are the cells `ktstr test` runs.
  const expandWith = (gates: TestGates) => expandTest(declareTest(summary.name!, {
    ...gates,
    ...(topology ? { topology } : {}),
    ...(Number.isInteger(options.durationMs) && (options.durationMs as number) > 0 ? { durationMs: options.durationMs as number } : {}),
    ...(summary.scheduler ? { scheduler: { name: summary.scheduler.name!, topology: schedulerTopology } as never } : {}),
  }), { kernels: settings.kernels, arch: settings.arch });
  if (summary.unresolved === undefined && gatesKnown && gateErrors.length === 0) {
    try {
      const expansion = expandWith(gateInput);
      summary.cells = expansion.cells;
      summary.excluded = expansion.excluded;
    } catch (e) {
      if (!(e instanceof KtstrError)) throw e;
      report(e, 'error', 'gates');
      summary.unresolved = 'the gates reject every topology';
    }
  } else if (summary.unresolved === undefined) {
    summary.unresolved = gatesKnown ? 'the gates are invalid' : 'gates computed at run time';
  }

  // Scenarios and CPU lists in the body, checked on every topology the test runs on.
  if (bodyArg && summary.cells.length > 0) {
    const durationMs = typeof options.durationMs === 'number' && options.durationMs > 0 ? options.durationMs : DEFAULT_DURATION_MS;
    const shapes = cellShapes(summary.cells);
    // A pinned test has one shape: a gate cannot move it anywhere else.
    const gateFix: GateFixContext | undefined = topology || !optionsArg ? undefined : {
      options: optionsArg,
      fixesFor: (fixes) => gateQuickFixes(optionsArg, fixes),
      search: (fits, error) => gateFixes({
        gates: gateInput, arch: settings.arch, fits, hints: errorHints(error),
        expand: (g) => {
          if (gateProblems(g, where, settings.arch).length > 0) return undefined;
          try {
            return expandWith(g).cells;
          } catch (e) {
            if (e instanceof KtstrError) return undefined;
            throw e;
          }
        },
      }),
    };
    checkScenarios(bodyArg, facts.runCalls, ev, shapes, durationMs, gateFix, out);
    checkCpuLists(bodyArg, facts, ev, shapes, gateFix, out);
  }
  return summary;
}

/** The distinct shapes of a test's cells, home first, then in the cells' (preset table) order. */
function cellShapes(cells: readonly GauntletCell[]): CellShape[] {
  const shapes = new Map<string, CellShape>();
  for (const c of [...cells].sort((a, b) => Number(b.home) - Number(a.home))) {
    if (!shapes.has(topologyLabel(c.topology))) shapes.set(topologyLabel(c.topology), { topology: c.topology, preset: c.preset, home: c.home });
  }
  return [...shapes.values()];
}

/**
 * Each `x.run([...cgroups], ...)` in a test body whose cgroups are static, on every cell shape.
 * A scenario that fails where a default run goes is an error; one that fails only on other
 * gauntlet shapes is a warning (the gates let the test go there). Either names the first shape
 * it fails on and offers the gates that would keep the test off every such shape.
 */
function checkScenarios(body: Node, runCalls: readonly CallExpression[], ev: Evaluator, shapes: readonly CellShape[], durationMs: number,
  gateFix: GateFixContext | undefined, out: Problems): void {
  const inBody = (n: Node) => n.getStart() >= body.getStart() && n.getEnd() <= body.getEnd();
  for (const call of runCalls.filter(inBody)) {
    const arg = call.getArguments()[0];
    if (!arg) continue;
    const cgroups = ev.evaluate(arg);
    if (!Array.isArray(cgroups) || cgroups.some((c) => c instanceof Unresolved)) continue;
    const problemOn = (t: Topology) => scenarioProblem(cgroups as CgroupDef[], t, durationMs);
    for (const { topology, preset, home } of shapes) {
      const e = problemOn(topology);
      if (!e) continue;
      let node = nodeForField(ev, e.field.replace(/^cgroups/, 'scenario.'), 'scenario', cgroups, arg, arg.getSourceFile().getFilePath());
      // A cpuset is reported on the spec itself, the thing to change besides the gates.
      if (Node.isPropertyAssignment(node) && node.getName() === 'cpuset') node = node.getInitializerOrThrow();
      const fixes = gateFix ? gateFix.search((t) => problemOn(t) === undefined, e) : [];
      const advice = fixes[0] ? ` The gates admit ${preset}; ${fixes[0].field}: ${fixes[0].value} would keep the test to shapes where the scenario fits.` : '';
      out.add(node, arg, home ? 'error' : 'warning', 'scenario',
        `On ${preset} (${topologyLabel(topology)}${home ? ', the home topology' : ', a gauntlet cell'}): ${e.message}${advice}`,
        gateFix ? gateFix.fixesFor(fixes) : []);
      break;
    }
  }
}

/** `work.notAType()`: the name of a work type that does not exist. */
function checkWorkTypeNames(facts: FileFacts, out: Problems): void {
  const names = Object.keys(work);
  for (const call of facts.workCalls) {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee)) continue;
    if (!names.includes(callee.getName())) {
      out.add(callee.getNameNode(), call, 'error', 'work-type', `work.${callee.getName()} is not a work type. Use one of ${names.map((n) => `work.${n}()`).join(', ')}.`);
    }
  }
}

export function analyseFile(facts: FileFacts, graph: ModuleGraph, settings: AnalysisSettings): FileAnalysis {
  const ev = new Evaluator(graph);
  const out = new Problems(facts.path);
  const schedulers: SchedulerSummary[] = [];
  for (const call of facts.schedulerCalls) {
    const read = readScheduler(call, ev);
    schedulers.push(read.summary);
    for (const p of read.problems) out.add(p.node, call, 'error', p.code, p.message);
  }
  const tests = facts.testCalls.map((call) => analyseTest(call, facts, ev, settings, out));
  checkWorkTypeNames(facts, out);
  return { path: facts.path, schedulers, tests, problems: out.list, deps: ev.deps };
}
