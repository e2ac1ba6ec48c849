#!/usr/bin/env node
// CommonJS (bin/package.json), which starts a few milliseconds sooner than an ES module
const { loadBundle } = require('./load-bundle.js');

// (a reader that goes away, `pprof-diag … | head`, ends the output quietly: main's streams see to it)
const { main, outputPending } = loadBundle().exports;

main(process.argv).then(
  (code) => {
    process.exitCode = code;
    // Done and the output handed over: exit now. Left to end by itself, Node would first wait
    // for V8's work in the background (optimising the run's hot functions), 2 to 15 ms of
    // nothing at the end of a short run. Output still on its way (a slow pipe) is waited for.
    if (!outputPending()) process.exit(code);
  },
  (err) => {
    process.stderr.write(`pprof-diag: internal error: ${err && err.message ? err.message.split('\n')[0] : String(err)}\n`);
    process.exitCode = 70;
  },
);
