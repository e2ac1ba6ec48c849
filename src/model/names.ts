/**
 * Function-name normalisation for matching.
 *
 * From Go 1.21 the protobuf form names generic instantiations by their linker symbol
 * (`github.com/jackc/puddle/v2.(*Pool[go.shape.*uint8]).acquire`) while text dumps print
 * `(*Pool[...]).acquire`. Everything from the first `[` of an identifier to its matching `]`
 * becomes `[...]`, so both forms meet. The original name is always kept beside it.
 */
export function normalizeFunctionName(name: string): string {
  const open = name.indexOf('[');
  if (open < 0) return name;
  let out = '';
  let depth = 0;
  let last = 0;
  for (let i = open; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x5b /* [ */) {
      if (depth === 0) {
        out += name.slice(last, i);
      }
      depth++;
    } else if (c === 0x5d /* ] */ && depth > 0) {
      depth--;
      if (depth === 0) {
        out += '[...]';
        last = i + 1;
      }
    }
  }
  if (depth > 0) return name; // unbalanced: leave as written
  return out + name.slice(last);
}
