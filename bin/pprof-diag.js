#!/usr/bin/env node
// CommonJS (bin/package.json), which starts a few milliseconds sooner than an ES module
const { loadBundle } = require('./load-bundle.js');

const { main } = loadBundle().exports;

// A reader that goes away (`pprof-diag … | head`) ends the output, quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`pprof-diag: internal error: ${err && err.message ? err.message.split('\n')[0] : String(err)}\n`);
    process.exitCode = 70;
  },
);
