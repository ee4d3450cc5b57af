/**
 * Concrete CPU lists in placement assertions, e.g. `r.expect.ranOnlyOn([4, 5], 'a')`: CPU
 * numbers mean different things on different shapes, and a CPU a cell does not have makes the
 * assertion meaningless there. When some cell the gates admit lacks a listed CPU, the list gets a
 * warning naming the first such cell, and a quick fix to the topology-relative form: the
 * cgroup's own cpuset spec from the `vm.run` literal the result came from, else the LLC or NUMA
 * node of the home topology that has exactly those CPUs. A cpuset spec there (`cpuset.llc(3)`)
 * that some cell lacks is reported like a scenario's, with the gates that fix it.
 */
import { type CallExpression, Node, SyntaxKind } from 'ts-morph';
import { type CpusetSpec, formatCpulist, KtstrError, resolveCpuset, type Topology, topologyLabel, topologyLayout, totalCpus } from '@ktstr/core';
import type { Evaluator } from './evaluate.js';
import type { FileFacts } from './file-facts.js';
import { coreName, unwrapAwait } from './fix-edits.js';
import type { Problems } from './problems.js';
import { rangeOf } from './ranges.js';
import type { Fix } from './types.js';
import type { GateFixContext } from './gate-fix.js';

/** One distinct shape of a test's cells, home first. */
export interface CellShape {
  topology: Topology;
  preset: string;
  home: boolean;
}

export function checkCpuLists(body: Node, facts: FileFacts, ev: Evaluator, shapes: readonly CellShape[], gateFix: GateFixContext | undefined, out: Problems): void {
  const inBody = (n: Node) => n.getStart() >= body.getStart() && n.getEnd() <= body.getEnd();
  for (const call of facts.cpuListCalls.filter(inBody)) {
    const [listArg, cgroupArg] = call.getArguments();
    if (!listArg) continue;
    const list = ev.evaluate(listArg);
    if (isSpec(list)) {
      checkSpec(call, listArg, list, shapes, gateFix, out);
      continue;
    }
    if (!Array.isArray(list) || list.length === 0 || !list.every((c) => Number.isInteger(c) && (c as number) >= 0)) continue;
    const cpus = [...new Set(list as number[])].sort((a, b) => a - b);
    const broken = shapes.find((s) => cpus.at(-1)! >= totalCpus(s.topology));
    if (!broken) continue;
    const total = totalCpus(broken.topology);
    const missing = cpus.filter((c) => c >= total);
    const name = cgroupArg ? ev.evaluate(cgroupArg) : scopedCgroup(call, ev);
    const fixes = typeof name === 'string' ? listFixes(call, listArg, name, cpus, body, facts, ev, shapes) : [];
    out.add(listArg, call, 'warning', 'cpu-list',
      `On ${broken.preset} (${topologyLabel(broken.topology)}${broken.home ? ', the home topology' : ', a gauntlet cell'}): `
      + `CPU${missing.length === 1 ? '' : 's'} ${formatCpulist(missing)} do${missing.length === 1 ? 'es' : ''} not exist (${total} CPUs). `
      + 'A CPU list fits some shapes only; name the CPUs relative to the topology, e.g. cpuset.llc(0).', fixes);
  }
}

/** The cgroup an `.inCgroup('a')` earlier in the chain scopes the assertion to. */
function scopedCgroup(call: CallExpression, ev: Evaluator): unknown {
  for (let n: Node | undefined = call.getExpression(); n;) {
    if (Node.isCallExpression(n)) {
      const callee = n.getExpression();
      if (Node.isPropertyAccessExpression(callee) && callee.getName() === 'inCgroup' && n.getArguments()[0]) return ev.evaluate(n.getArguments()[0]!);
      n = callee;
    } else if (Node.isPropertyAccessExpression(n) || Node.isNonNullExpression(n) || Node.isParenthesizedExpression(n) || Node.isAwaitExpression(n)) {
      n = n.getExpression();
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** The `vm.run(...)` call whose result the assertion reads: `const r = await vm.run(...)`, or inline. */
function runOf(call: CallExpression, body: Node, facts: FileFacts): CallExpression | undefined {
  const isRun = (n: Node) => facts.runCalls.some((r) => r.getStart() === n.getStart() && r.getEnd() === n.getEnd());
  let n: Node = call.getExpression();
  for (;;) {
    n = unwrapAwait(n);
    if (Node.isCallExpression(n) && isRun(n)) return n;
    if (Node.isPropertyAccessExpression(n) || Node.isNonNullExpression(n)) n = n.getExpression();
    else if (Node.isCallExpression(n)) n = n.getExpression();
    else break;
  }
  if (!Node.isIdentifier(n)) return undefined;
  const name = n.getText();
  const decl = body.getDescendantsOfKind(SyntaxKind.VariableDeclaration)
    .filter((d) => d.getName() === name && d.getStart() < call.getStart()).at(-1);
  const init = decl?.getInitializer();
  if (!init) return undefined;
  const run = unwrapAwait(init);
  return Node.isCallExpression(run) && isRun(run) ? run : undefined;
}

/** A cpuset spec as the assertion's argument: core resolves it per cell, as it does at run time. */
function checkSpec(call: CallExpression, arg: Node, spec: CpusetSpec, shapes: readonly CellShape[], gateFix: GateFixContext | undefined, out: Problems): void {
  const problemOn = (t: Topology): KtstrError | undefined => {
    try {
      resolveCpuset(spec, t, arg.getText());
      return undefined;
    } catch (e) {
      if (e instanceof KtstrError) return e;
      throw e;
    }
  };
  for (const { topology, preset, home } of shapes) {
    const e = problemOn(topology);
    if (!e) continue;
    const fixes = gateFix ? gateFix.search((t) => problemOn(t) === undefined, e) : [];
    out.add(arg, call, home ? 'error' : 'warning', 'cpu-list',
      `On ${preset} (${topologyLabel(topology)}${home ? ', the home topology' : ', a gauntlet cell'}): ${e.message}`,
      gateFix ? gateFix.fixesFor(fixes) : []);
    return;
  }
}

function isSpec(v: unknown): v is CpusetSpec {
  return typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string';
}

function listFixes(call: CallExpression, listArg: Node, cgroupName: string, cpus: number[], body: Node, facts: FileFacts, ev: Evaluator, shapes: readonly CellShape[]): Fix[] {
  const path = facts.path;
  // The cgroup's own cpuset, as written in the vm.run literal the result came from.
  const run = runOf(call, body, facts);
  const runArg = run?.getArguments()[0];
  const cgroups = runArg ? ev.evaluate(runArg) : undefined;
  const def = Array.isArray(cgroups) ? cgroups.find((c) => typeof c === 'object' && c !== null && (c as { name?: unknown }).name === cgroupName) : undefined;
  if (def && isSpec(def.cpuset) && def.cpuset.kind !== 'exact') {
    const prop = ev.origins.get(def)?.props.get('cpuset');
    const spec = prop && Node.isPropertyAssignment(prop) ? prop.getInitializer() : prop && Node.isShorthandPropertyAssignment(prop) ? prop.getNameNode() : undefined;
    if (spec && spec.getSourceFile().getFilePath() === path) {
      return [{ title: `Replace with ${spec.getText()}, cgroup ${cgroupName}'s cpuset`, preferred: true, edits: [{ range: rangeOf(listArg), newText: spec.getText() }] }];
    }
  }
  // Else the LLC or node that has exactly these CPUs where the test runs by default.
  const home = shapes.find((s) => s.home);
  if (!home) return [];
  const layout = topologyLayout(home.topology);
  const same = (g: number[]) => g.length === cpus.length && g.every((c, i) => c === cpus[i]);
  const llc = layout.llcCpus.findIndex(same);
  const node = home.topology.numaNodes > 1 ? layout.nodeCpus.findIndex(same) : -1;
  const pick = node >= 0 ? ['node', node] as const : llc >= 0 ? ['llc', llc] as const : undefined;
  if (!pick) return [];
  const name = coreName(facts, 'cpuset');
  const text = `${name.text}.${pick[0]}(${pick[1]})`;
  return [{
    title: `Replace with ${text}, the same CPUs on ${home.preset}`, preferred: true,
    edits: [{ range: rangeOf(listArg), newText: text }, ...name.edits],
  }];
}
