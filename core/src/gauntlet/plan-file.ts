/**
 * The hand-over from `ktstr test` to the test processes it starts: the cells one job runs
 * (already selected, host-checked and sharded) and the resolved kernels they name. The file's
 * path travels in KTSTR_PLAN; `ktstrTest` registers exactly these cells, so the CLI's list and
 * the node:test tree agree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { ResolvedKernel } from '../kernel/resolve.js';
import type { PlanEntry } from './plan.js';

export interface JobPlan {
  version: 1;
  /** Resolved kernels by label. */
  kernels: Record<string, ResolvedKernel>;
  entries: PlanEntry[];
}

export function writeJobPlan(path: string, plan: JobPlan): void {
  writeFileSync(path, JSON.stringify(plan));
}

let cached: { path: string; plan: JobPlan } | undefined;

/** The job plan named by KTSTR_PLAN, read once per process; undefined without one. */
export function currentJobPlan(env: NodeJS.ProcessEnv = process.env): JobPlan | undefined {
  const path = env.KTSTR_PLAN;
  if (!path) return undefined;
  if (cached?.path !== path) cached = { path, plan: JSON.parse(readFileSync(path, 'utf8')) as JobPlan };
  return cached.plan;
}
