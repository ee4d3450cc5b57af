/** Entry of the spare keeper process (spare-keeper.ts): `spare-keeper-main <socket> <runner pid>`. */
import { runKeeper } from './spare-keeper.js';

const [socketPath, runnerPid] = process.argv.slice(2);
if (!socketPath || !Number(runnerPid)) {
  process.stderr.write('usage: spare-keeper-main <socket path> <runner pid>\n');
  process.exit(2);
}
runKeeper(socketPath, Number(runnerPid)).catch((e: Error) => {
  process.stderr.write(`spare keeper: ${e.message}\n`);
  process.exit(1);
});
