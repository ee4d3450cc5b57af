export { Btf, type TypeLookup } from './btf.js';
export { BtfError } from './btf-error.js';
export * from './kinds.js';
export { memberBytes, memberPath, type MemberBytes, type MemberFound, type MemberLookup } from './member-path.js';
export { parseBtf, type ParseOptions, BTF_MAGIC } from './parse.js';
export { globalVariable, globalVariables, sectionVariables, type GlobalVariable, type VariableLookup } from './variables.js';
export { readElfBtf } from './load.js';
export { enumerator, type EnumeratorFound, type EnumeratorLookup } from './enumerators.js';
