export const MUTANT_SOURCES: string[];
export const MUTANTS_PER_SOURCE: number;
export function traceMutants(repoRoot: string, source: string, count?: number): { name: string; bytes: Uint8Array }[];
export const DROPS_PER_SOURCE: number;
export function traceBatchDrops(repoRoot: string, source: string, count?: number): { name: string; bytes: Uint8Array }[];
