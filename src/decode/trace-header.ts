/** Recognising a Go execution trace by its 16-byte header, `go 1.N trace` padded with NULs. */

const PREFIX = [0x67, 0x6f, 0x20, 0x31, 0x2e]; // "go 1."

export function isTrace(bytes: Uint8Array): boolean {
  if (bytes.length < 16) return false;
  for (let i = 0; i < PREFIX.length; i++) if (bytes[i] !== PREFIX[i]) return false;
  return traceHeaderVersion(bytes) !== null;
}

/** The minor version the header names (`go 1.23 trace` → 23), or null. */
export function traceHeaderVersion(bytes: Uint8Array): number | null {
  if (bytes.length < 16) return null;
  const head = String.fromCharCode(...bytes.subarray(0, 16));
  const m = /^go 1\.(\d+)(?: trace)?\0*$/.exec(head);
  return m ? Number(m[1]) : null;
}
