// Loads dist/cli/bundle.cjs, the command line in one file, with V8's code cache of it
// (dist/cli/bundle.cache, which build.mjs writes after a few warm-up runs): the functions a
// run needs are read compiled rather than compiled again, about 30 ms of each run's start.
//
// V8 checks a cache against its own version, its flags and the source's length only, so the
// cache begins with the digest of the bundle it was made from, and the bundle ends with that
// digest too (`//# bundle-digest …`); a cache of another bundle is not given to V8 at all. A
// cache V8 rejects (another Node) is ignored and the bundle compiled as without one. The bundle
// has no import() (a script compiled from a cache cannot take one): it loads late with require.
const { isAscii } = require('node:buffer');
const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const path = require('node:path');
const { Script } = require('node:vm');

const bundleFile = path.join(__dirname, '..', 'dist', 'cli', 'bundle.cjs');
const cacheFile = path.join(__dirname, '..', 'dist', 'cli', 'bundle.cache');

/** The mark build.mjs ends the bundle with, before its digest (64 hex digits). */
const DIGEST_MARK = '//# bundle-digest ';
const DIGEST_BYTES = 64;

/** The digest written at the end of the bundle's source, or null. */
function digestOf(source) {
  const at = source.lastIndexOf(DIGEST_MARK);
  return at < 0 ? null : source.slice(at + DIGEST_MARK.length, at + DIGEST_MARK.length + DIGEST_BYTES);
}

/** The cache for the bundle whose digest is `digest`, or undefined. */
function cacheFor(digest) {
  if (digest === null) return undefined;
  let data;
  try {
    data = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  if (data.length <= DIGEST_BYTES || data.toString('latin1', 0, DIGEST_BYTES) !== digest) return undefined;
  return data.subarray(DIGEST_BYTES);
}

/** Runs the bundle; its exports, and the script (for writeCache). */
function loadBundle() {
  // ASCII (build.mjs escapes the rest), read as one byte a character without decoding UTF-8
  const bytes = readFileSync(bundleFile);
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const digest = digestOf(source);
  // the wrapper on the first line keeps the bundle's line numbers in stack traces
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundleFile,
    cachedData: cacheFor(digest),
  });
  const bundle = { exports: {} };
  script.runInThisContext()(bundle.exports, createRequire(bundleFile), bundle, bundleFile, path.dirname(bundleFile));
  return { exports: bundle.exports, script, digest };
}

/** Writes the code cache of a loaded bundle, with everything compiled so far. */
function writeCache(loaded) {
  if (loaded.digest === null) throw new Error(`${bundleFile} has no digest`);
  writeFileSync(cacheFile, Buffer.concat([Buffer.from(loaded.digest, 'latin1'), loaded.script.createCachedData()]));
}

module.exports = { bundleFile, cacheFile, DIGEST_MARK, loadBundle, writeCache };
