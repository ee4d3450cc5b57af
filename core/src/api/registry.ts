/** Every ktstrTest declared in this process, for listings (`ktstr test --list`). */
import type { Topology } from '../topology/topology.js';

export interface Declaration {
  name: string;
  topology: Topology;
  scheduler: string | null;
}

const declarations: Declaration[] = [];

export function registerDeclaration(d: Declaration): void {
  declarations.push(d);
}

export function declared(): readonly Declaration[] {
  return declarations;
}
