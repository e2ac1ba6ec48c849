// JSON with 2-space indentation that keeps short arrays and objects on one line, as the
// scenario.json files are written by hand.
const WIDTH = 100;

export function format(value, indent = 0) {
  const pad = '  '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const parts = value.map((v) => format(v, indent + 1));
    const flat = `[${parts.join(', ')}]`;
    if (!flat.includes('\n') && (value.every((v) => v === null || typeof v !== 'object') || pad.length + flat.length <= WIDTH)) {
      return flat;
    }
    return `[\n${parts.map((p) => `${pad}  ${p}`).join(',\n')}\n${pad}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const parts = entries.map(([k, v]) => `${JSON.stringify(k)}: ${format(v, indent + 1)}`);
    const flat = `{ ${parts.join(', ')} }`;
    if (!flat.includes('\n') && pad.length + flat.length <= WIDTH && indent > 0) return flat;
    return `{\n${parts.map((p) => `${pad}  ${p}`).join(',\n')}\n${pad}}`;
  }
  return JSON.stringify(value);
}
