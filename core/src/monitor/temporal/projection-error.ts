/**
 * Why a sample has no value in a projected column. A missing value is never read as 0: a
 * counter absent from one kernel would otherwise pass every monotonicity check.
 */

export type ProjectionError =
  /** The sample is a placeholder for a capture that failed; `reason` is the capture's error. */
  | { readonly kind: 'PlaceholderSample'; readonly path: string; readonly reason: string }
  /** The sample carries no data at all. */
  | { readonly kind: 'MissingSample'; readonly path: string }
  /** The monitor recorded `at` as unavailable (null): it could not read that part of the guest for this sample. */
  | { readonly kind: 'MissingStats'; readonly path: string; readonly at: string }
  /** `at` has no such key or index (or the projection function found nothing): the path is wrong for this sample. */
  | { readonly kind: 'FieldNotFound'; readonly path: string; readonly at: string; readonly detail: string }
  /** The value is there but is not what the assertion compares. */
  | { readonly kind: 'TypeMismatch'; readonly path: string; readonly expected: 'number' | 'boolean' | 'number or boolean'; readonly found: string };

export type ProjectionErrorKind = ProjectionError['kind'];

/**
 * The errors that mean "nothing was read here" (a coverage gap), as opposed to "what was read
 * does not fit the path" (FieldNotFound, TypeMismatch), which is a mistake in the test or a
 * kernel without the field and is never skipped.
 */
export const GAP_KINDS: readonly ProjectionErrorKind[] = ['PlaceholderSample', 'MissingSample', 'MissingStats'];

export function isGap(e: ProjectionError): boolean {
  return GAP_KINDS.includes(e.kind);
}

/** The variant, the path and the cause, e.g. `FieldNotFound: events.x: events has no key x (keys: a, b)`. */
export function describeProjectionError(e: ProjectionError): string {
  switch (e.kind) {
    case 'PlaceholderSample': return `PlaceholderSample: ${e.path}: the capture failed: ${e.reason}`;
    case 'MissingSample': return `MissingSample: ${e.path}: the sample carries no data`;
    case 'MissingStats': return `MissingStats: ${e.path}: ${e.at} was recorded as unavailable (null)`;
    case 'FieldNotFound': return `FieldNotFound: ${e.path}: ${e.detail}`;
    case 'TypeMismatch': return `TypeMismatch: ${e.path}: expected a ${e.expected}, found ${e.found}`;
  }
}
