/**
 * What one temporal pattern concluded about one column. Passing verdicts keep their notes
 * (a series too short to judge passes, and says so) so a report can show what was not checked.
 */

export interface Verdict {
  /** The pattern as called, e.g. `rateWithin(0, 5)`. */
  readonly pattern: string;
  /** The column's path or projection name. */
  readonly column: string;
  readonly pass: boolean;
  /** Why it failed, naming the sample, its elapsed time and the values (absent when it passed). */
  readonly failure?: string;
  readonly notes: readonly string[];
}

export function passed(pattern: string, column: string, notes: readonly string[] = []): Verdict {
  return { pattern, column, pass: true, notes };
}

/** The failure reads `series <column>: <pattern>: <problem>`, with any notes after it. */
export function failed(pattern: string, column: string, problem: string, notes: readonly string[] = []): Verdict {
  const tail = notes.length > 0 ? ` [${notes.join('; ')}]` : '';
  return { pattern, column, pass: false, failure: `series ${column}: ${pattern}: ${problem}${tail}`, notes };
}

/** How a verdict reads on one line, pass or fail. */
export function describeVerdict(v: Verdict): string {
  if (!v.pass) return v.failure!;
  return `series ${v.column}: ${v.pattern}: passed${v.notes.length > 0 ? ` (${v.notes.join('; ')})` : ''}`;
}
