/**
 * ktstr-vscode: will start @ktstr/language-server, register the CodeLens commands, the test
 * explorer and coverage overlays. Not implemented yet; this package holds its place in the
 * workspace and the build.
 */
export const EXTENSION_IMPLEMENTED = false;
