export { cgroup, type CgroupDef } from './cgroup.js';
export { cpuset, type CpusetSpec, resolveCpuset } from './cpuset.js';
export { hold, type HoldSpec, holdMs } from './hold.js';
export { work, type WorkSpec, type WorkType, WORK_TYPES } from './work.js';
export { buildCellDescription, buildCommandCell, type CellDescriptionInput, type CommandCellInput } from './cell-description.js';
