export { addonPath, isAddonBuilt, flock, funlock, setAffinity, getAffinity, mapFileReadOnly, mapFileShared } from './addon.js';
export type { FlockMode } from './addon.js';
export { addonSourceHash, addonState, buildAddon, type AddonState } from './addon-build.js';
export { nativeArtifacts, fixtureOutDir } from './artifacts.js';
export type { NativeArtifactName, NativeArtifacts } from './artifacts.js';
export { buildRoot, cacheRoot, isCheckout, nativeRoot, nativeVersion } from './paths.js';
