/**
 * Errors a user can act on. Every error ktstr raises names what was wrong (`field`),
 * the offending value, and what to do about it (`remedy`), so the message reads as an
 * instruction rather than a stack trace.
 */
export class KtstrError extends Error {
  readonly field: string;
  readonly value: unknown;
  readonly remedy: string;

  constructor(field: string, value: unknown, problem: string, remedy: string, options?: { cause?: unknown }) {
    super(`${field}: ${problem} (got ${formatValue(value)}). ${remedy}`, options);
    this.name = 'KtstrError';
    this.field = field;
    this.value = value;
    this.remedy = remedy;
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const s = JSON.stringify(value);
    return s === undefined ? String(value) : s;
  } catch {
    return String(value);
  }
}
