#!/usr/bin/env node
// Reads `go tool pprof -raw` output on stdin and prints the figures the tests compare as JSON.
import { readFileSync } from 'node:fs';
import { summarizeRaw } from '../helpers/pprof-raw.mjs';

process.stdout.write(JSON.stringify(summarizeRaw(readFileSync(0, 'utf8'))) + '\n');
