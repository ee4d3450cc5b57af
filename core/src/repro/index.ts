export type { AutoReproReport, AutoReproSummary, ReproArg, ReproCall, ReproSite } from './auto-repro-report.js';
export { chainSites, exitCallChain, type ChainSite, type Frame } from './call-chain.js';
export { reproduceCrash, type RerunInput } from './rerun-crash.js';
export { probeLoaderPath, ensureProbeLoader } from './probe-loader.js';
