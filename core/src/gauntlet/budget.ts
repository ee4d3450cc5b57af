/**
 * Budget selection (KTSTR_BUDGET_SECS, `--budget SECS`): the subset of cells that covers the
 * most features per estimated second without exceeding the budget.
 *
 * Greedy, as for weighted maximum coverage: repeatedly take the cell with the highest
 * (new features) / (estimated ms) among those that still fit, until no fitting cell adds a
 * feature. Ties go to the cheaper cell, then to the earlier one, so a selection is
 * deterministic. Cells that add nothing are left out even when time remains: a CI budget is a
 * ceiling, not a target.
 */
export interface BudgetCandidate {
  name: string;
  estimateMs: number;
  features: readonly string[];
}

export interface BudgetDecision {
  name: string;
  selected: boolean;
  /** Why, for `ktstr test --list`. */
  reason: string;
}

export interface BudgetSelection {
  decisions: BudgetDecision[];
  totalMs: number;
  covered: number;
  features: number;
}

export function selectWithinBudget(cells: readonly BudgetCandidate[], budgetMs: number): BudgetSelection {
  const covered = new Set<string>();
  const remaining = new Set(cells.map((_, i) => i));
  const reasons = new Map<number, string>();
  let totalMs = 0;
  for (;;) {
    let best = -1;
    let bestGain = 0;
    let bestScore = 0;
    for (const i of remaining) {
      const c = cells[i]!;
      if (totalMs + c.estimateMs > budgetMs) continue;
      const gain = new Set(c.features.filter((f) => !covered.has(f))).size;
      if (gain === 0) continue;
      const score = gain / Math.max(c.estimateMs, 1);
      if (best < 0 || score > bestScore || (score === bestScore && c.estimateMs < cells[best]!.estimateMs)) {
        best = i;
        bestGain = gain;
        bestScore = score;
      }
    }
    if (best < 0) break;
    const c = cells[best]!;
    remaining.delete(best);
    c.features.forEach((f) => covered.add(f));
    totalMs += c.estimateMs;
    reasons.set(best, `budget: +${bestGain} feature(s) for ${(c.estimateMs / 1000).toFixed(1)} s (${(totalMs / 1000).toFixed(1)} of ${(budgetMs / 1000).toFixed(0)} s used)`);
  }
  const all = new Set(cells.flatMap((c) => c.features));
  const decisions = cells.map((c, i) => {
    const why = reasons.get(i);
    if (why) return { name: c.name, selected: true, reason: why };
    const adds = c.features.some((f) => !covered.has(f));
    return { name: c.name, selected: false, reason: adds ? `budget: ${(c.estimateMs / 1000).toFixed(1)} s does not fit` : 'budget: adds no coverage' };
  });
  return { decisions, totalMs, covered: covered.size, features: all.size };
}
