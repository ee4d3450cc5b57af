/**
 * The `ktstr` command. Parsing and rendering only: every decision is made in @ktstr/core.
 * Commands are registered in the order `ktstr --help` lists them: running tests first, then
 * results, kernels, shell integration, the host, and housekeeping.
 */
import sade from 'sade';
import { registerTestCommand } from './commands/test.js';
import { registerCoverageCommand } from './commands/coverage.js';
import { registerVerifierCommand } from './commands/verifier.js';
import { registerStatsCommands } from './commands/stats.js';
import { registerReportCommand } from './commands/report.js';
import { registerShowThresholdsCommand } from './commands/show-thresholds.js';
import { registerKernelCommands } from './commands/kernel.js';
import { registerKernelBuildCommand } from './commands/kernel-build.js';
import { registerCompletionsCommand } from './commands/completions.js';
import { registerShowHostCommand } from './commands/show-host.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerSetupCommand } from './commands/setup.js';
import { registerPresetsCommand } from './commands/presets.js';
import { registerLocksCommand } from './commands/locks.js';
import { registerShellCommand } from './commands/shell.js';
import { registerExportCommand } from './commands/export.js';
import { registerCacheCommands } from './commands/cache.js';
import { registerScenariosCommand } from './commands/scenarios.js';
import { SWITCHES, UsageError, checkArgv } from './argv-check.js';

// A reader that stops early (`ktstr presets | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const prog = sade('ktstr').version('0.1.0').describe('Test Linux process schedulers on real kernels in VMs with declared CPU topologies.');
registerTestCommand(prog);
registerCoverageCommand(prog);
registerVerifierCommand(prog);
registerStatsCommands(prog);
registerReportCommand(prog);
registerShowThresholdsCommand(prog);
registerKernelCommands(prog);
registerKernelBuildCommand(prog);
registerCompletionsCommand(prog);
registerShowHostCommand(prog);
registerDoctorCommand(prog);
registerSetupCommand(prog);
registerPresetsCommand(prog);
registerScenariosCommand(prog);
registerLocksCommand(prog);
registerShellCommand(prog);
registerExportCommand(prog);
registerCacheCommands(prog);
// sade would run a command with the options it does not know silently dropped; refuse instead.
try {
  checkArgv(prog, process.argv.slice(2));
  prog.parse(process.argv, { boolean: SWITCHES });
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  process.stderr.write(`ktstr: error: ${e.message}\n`);
  process.exitCode = 2;
}
