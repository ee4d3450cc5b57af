/**
 * A test process started by `ktstr test` exits when the run that started it is gone. The CLI
 * starts node's test runner under `setpriv --pdeathsig SIGKILL`, so the runner dies with the
 * CLI however the CLI dies; the runner's own children (one per test file) would then be
 * orphaned and keep their VMs and CPU locks. Polling the parent pid is the portable way for a
 * Node process to notice (prctl is not reachable from JavaScript): on re-parenting we exit,
 * which runs the VM teardown and drops every flock.
 */
let watching = false;

export function exitWhenOrphaned(log: (line: string) => void, intervalMs = 500): void {
  if (watching) return;
  watching = true;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      log(`the run that started this process (pid ${parent}) is gone; stopping`);
      process.exit(130);
    }
  }, intervalMs);
  timer.unref();
}
