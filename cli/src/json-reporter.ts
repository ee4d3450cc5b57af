/**
 * A node:test reporter that prints one JSON object per finished test: name, file, status,
 * duration and the failure message. Used by `ktstr test --json`.
 */
interface TestEvent {
  type: string;
  data: {
    name: string;
    file?: string;
    nesting: number;
    skip?: string | boolean;
    todo?: string | boolean;
    details?: { duration_ms?: number; error?: { message?: string; cause?: { message?: string } } };
  };
}

export default async function* jsonReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data;
    const skipped = d.skip !== undefined && d.skip !== false;
    const status = skipped ? 'skipped' : event.type === 'test:pass' ? 'passed' : 'failed';
    counts[status]++;
    const error = d.details?.error;
    yield `${JSON.stringify({
      type: 'test',
      name: d.name,
      file: d.file,
      status,
      skipReason: typeof d.skip === 'string' ? d.skip : undefined,
      durationMs: d.details?.duration_ms,
      error: error ? (error.cause?.message ?? error.message) : undefined,
    })}\n`;
  }
  yield `${JSON.stringify({ type: 'summary', ...counts })}\n`;
}
