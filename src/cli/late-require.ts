/**
 * Node's modules that few commands use (node:http, node:https, node:child_process), loaded when
 * first asked for rather than by every start; the require that loads them is itself made then
 * (making one reads the file system: about 0.3 ms of each run's start).
 */

import { createRequire } from 'node:module';

let made: NodeJS.Require | undefined;

/** `require(id)`, for a module of Node's own. */
export function lateRequire<T>(id: string): T {
  made ??= createRequire(import.meta.url);
  return made(id) as T;
}
