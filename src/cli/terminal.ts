/** What the commands share on a terminal: output streams, colour, progress. */

import pc from 'picocolors';
import { plain, type Paint } from '../report/text.js';
import { formatSize } from '../model/units.js';

export interface Io {
  out(s: string): void;
  err(s: string): void;
}

/** A repeatable option's values, in the order given. */
export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export function painter(enabled: boolean): Paint {
  if (!enabled) return plain;
  const c = pc.createColors(true);
  return { bold: c.bold, dim: c.dim, red: c.red, yellow: c.yellow, cyan: c.cyan };
}

export function colorWanted(flag: boolean, stream: NodeJS.WriteStream): boolean {
  if (!flag) return false;
  if ('NO_COLOR' in process.env && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && process.env.TERM !== 'dumb';
}

/**
 * One line on a terminal that rewrites itself; silent elsewhere and with --quiet. With NO_COLOR
 * or TERM=dumb it writes no escape sequence (the line is blanked with spaces), and it rewrites
 * the line at most every 100 ms.
 */
export class Progress {
  private active = false;
  private shown = 0;
  private last = 0;
  private readonly plain = ('NO_COLOR' in process.env && process.env.NO_COLOR !== '') || process.env.TERM === 'dumb';
  constructor(private readonly enabled: boolean) {}
  show(msg: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (this.active && now - this.last < 100) return;
    this.last = now;
    const width = process.stderr.columns ?? 80;
    const line = msg.slice(0, width - 1);
    process.stderr.write(this.plain ? `\r${line.padEnd(this.shown)}` : `\r\x1b[K${line}`);
    this.shown = line.length;
    this.active = true;
  }
  clear(): void {
    if (this.active) process.stderr.write(this.plain ? `\r${' '.repeat(this.shown)}\r` : '\r\x1b[K');
    this.active = false;
    this.shown = 0;
  }
}

/** `45% (12 generations)` of an input being decoded. */
export function traceProgress(done: number, total: number | null, generations: number): string {
  const share = total ? `${Math.floor((done / Math.max(total, 1)) * 100)}%` : formatSize(done);
  return `${share} (${generations} generation${generations === 1 ? '' : 's'})`;
}
