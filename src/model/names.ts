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

/** The package path of a Go function name: `database/sql` of `database/sql.(*DB).conn`. */
export function packageOf(fn: string): string {
  const paren = fn.indexOf('(');
  const slash = fn.lastIndexOf('/', paren >= 0 ? paren : fn.length);
  const dot = fn.indexOf('.', slash + 1);
  return dot < 0 ? fn : fn.slice(0, dot);
}

/** The standard library's top-level packages. */
const STD = new Set(
  'archive bufio builtin bytes cmp compress container context crypto database debug embed encoding errors expvar flag fmt go hash html image index internal io iter log maps math mime net os path plugin reflect regexp runtime slices sort strconv strings structs sync syscall testing text time unicode unique unsafe vendor weak'.split(
    ' ',
  ),
);

/**
 * Whether a function is Go's own (the standard library, or a runtime name printed without a
 * package such as `panic` or `goexit`) rather than the program's: its module, its dependencies,
 * a GOPATH package, or a test's own `_test` package.
 */
export function isStandardLibrary(fn: string): boolean {
  let v = stdCache.get(fn);
  if (v === undefined) {
    if (stdCache.size >= 100_000) stdCache.clear();
    stdCache.set(fn, (v = standardLibrary(fn)));
  }
  return v;
}

/** isStandardLibrary's answers: a profile asks about the same few thousand names millions of times. */
const stdCache = new Map<string, boolean>();

function standardLibrary(fn: string): boolean {
  const pkg = packageOf(fn);
  if (pkg === fn && !fn.includes('.')) return true;
  if (pkg.endsWith('_test')) return false;
  const top = pkg.split('/')[0]!;
  return STD.has(top) || top.startsWith('type:') || top.startsWith('go:') || top === '';
}
