export { addonPath, isAddonBuilt, flock, funlock, setAffinity, getAffinity, mapFileReadOnly } from './addon.js';
export type { FlockMode } from './addon.js';
export { nativeArtifacts } from './artifacts.js';
export type { NativeArtifactName, NativeArtifacts } from './artifacts.js';
export { nativeRoot } from './paths.js';
