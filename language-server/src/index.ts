/**
 * @ktstr/language-server: will find `declareScheduler` and `ktstrTest` declarations statically
 * (ts-morph), validate them with the rules in @ktstr/core, and serve diagnostics and CodeLens
 * over stdio. Not implemented yet; this package holds its place in the workspace and the build.
 */
export const LANGUAGE_SERVER_IMPLEMENTED = false;
