/**
 * The Benjamini–Hochberg procedure: which of many tests to believe. A comparison judges every
 * metric of every pair at once (four pairs of thirteen metrics in the example suite, thousands
 * in a gauntlet); at a p-value cut of 0.05 each, a comparison of unchanged runs would flag a few
 * by chance every time. Sorted by p-value, the k-th smallest is a discovery when it is at most
 * k/m · q, and so are all smaller ones. When nothing changed, the chance of any discovery is at
 * most q; when some metrics did change, at most a share q of the discoveries is expected to be
 * false, so real changes are not drowned by the number of tests the way a per-test cut
 * (Bonferroni) drowns them.
 */

/** For each p-value (null: not a test, left out of the family), whether it is a discovery at rate `q`. */
export function benjaminiHochberg(pValues: readonly (number | null)[], q: number): boolean[] {
  const tests = pValues.map((p, i) => [p, i] as const).filter((x): x is readonly [number, number] => x[0] !== null);
  tests.sort((x, y) => x[0] - y[0]);
  const m = tests.length;
  let cut = -1;
  tests.forEach(([p], k) => {
    if (p <= ((k + 1) / m) * q) cut = k;
  });
  const out = pValues.map(() => false);
  for (let k = 0; k <= cut; k++) out[tests[k]![1]] = true;
  return out;
}
