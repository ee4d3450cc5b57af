export { collapseVerifierLog, verifierLineKey, type CollapseOptions } from './collapse-log.js';
export { embeddedBpfObjects, structOpsPrograms, schedulerStructOps, type BpfProgramSymbol } from './bpf-object.js';
export { progLoadLogs, type ProgLoadLog } from './loader-log.js';
export { verifyScheduler, type VerifierResult, type VerifiedProgram, type VerifyOptions } from './verifier-run.js';
export { formatVerifierResult } from './report.js';
export { declaredSchedulers, verifierSchedulers, verifierTopology } from './schedulers.js';
