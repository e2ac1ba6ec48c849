/**
 * The bounds on what a decoded profile may hold (samples, locations, string length, stack depth,
 * labels per sample), checked once an input is decoded and before anything is analysed: the
 * analyses and reports grow with these, and an input past them is refused in one line naming
 * the option that raises the bound.
 */

import { defaultLimits, limitError, type DecodeLimits } from '../model/errors.js';
import type { Profile } from '../model/profile.js';
import { formatCount } from '../model/units.js';

/** The limits given, the defaults for those not given. */
export function resolveLimits(given: Partial<DecodeLimits> = {}): DecodeLimits {
  const l = { ...defaultLimits };
  for (const k of Object.keys(l) as (keyof DecodeLimits)[]) {
    const v = given[k];
    if (v !== undefined) l[k] = v;
  }
  return l;
}

export function checkProfileLimits(p: Profile, given: Partial<DecodeLimits> = {}): void {
  const l = resolveLimits(given);
  if (p.samples.length > l.maxSamples) throw limitError('maxSamples', `${formatCount(p.samples.length)} samples`, l.maxSamples);
  if (p.locations.length > l.maxLocations) throw limitError('maxLocations', `${formatCount(p.locations.length)} locations`, l.maxLocations);
  const s = p.samples;
  for (let i = 0; i < s.length; i++) {
    const depth = s.stackStart[i + 1]! - s.stackStart[i]!;
    if (depth > l.maxStackDepth) throw limitError('maxStackDepth', `sample ${i + 1} has a stack of ${formatCount(depth)} frames`, l.maxStackDepth);
    const labels = s.labelStart[i + 1]! - s.labelStart[i]!;
    if (labels > l.maxLabels) throw limitError('maxLabels', `sample ${i + 1} has ${formatCount(labels)} label${labels === 1 ? '' : 's'}`, l.maxLabels);
  }
  const strings = p.strings.values;
  for (let i = 0; i < strings.length; i++) {
    const len = strings[i]!.length;
    if (len > l.maxStringLength) throw limitError('maxStringLength', `a string of ${formatCount(len)} characters (${JSON.stringify(strings[i]!.slice(0, 40))}…)`, l.maxStringLength);
  }
}
