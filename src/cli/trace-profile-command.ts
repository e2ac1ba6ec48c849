/** `pprof-diag trace-profile`: a blocking profile of an execution trace, as `go tool trace -pprof` writes. */

import { BlockingProfiler, type BlockingType } from '../analyze/trace/blocking.js';
import { decode } from '../decode/index.js';
import { errorLine } from '../model/errors.js';
import type { Trace } from '../model/trace.js';
import { blockingProfileBytes } from '../report/trace-pprof.js';
import { gunzipNode } from './gunzip-node.js';
import { InputError, writeOutput } from './inputs.js';
import { limitsOf, type LimitFlags } from './setup.js';
import { Progress, traceProgress, type Io } from './terminal.js';
import { readTraceOrBytes } from './trace-input.js';

export interface TraceProfileFlags extends LimitFlags {
  type: BlockingType;
  output: string;
  timeout: number;
  maxSize: number;
  insecure?: boolean;
  quiet?: boolean;
}

export async function traceProfileCommand(spec: string, flags: TraceProfileFlags, io: Io): Promise<number> {
  const progress = new Progress(!flags.quiet && process.stderr.isTTY === true);
  try {
    // read a generation at a time: only the profile's state outlives a generation
    const profiler = new BlockingProfiler([flags.type]);
    progress.show(`reading ${spec}`);
    const raw = await readTraceOrBytes(
      spec,
      { timeoutMs: flags.timeout * 1000, maxBytes: flags.maxSize, insecure: flags.insecure === true, maxGenerationBytes: flags.maxGenerationSize, maxRatio: flags.maxRatio },
      {
        onPart: (part) => profiler.add(part),
        onProgress: (done, total, generations) => progress.show(`decoding ${spec} ${traceProgress(done, total, generations)}`),
      },
    );
    progress.clear();
    let trace: Trace;
    if (raw.type === 'trace') trace = raw.trace;
    else {
      // not told by its head: the ordinary decoders say what it is
      const d = raw.type === 'bytes' ? decode(raw.bytes, { ...limitsOf(flags), gunzip: gunzipNode }) : { type: 'profile' as const, profile: raw.profile };
      if (d.type !== 'trace') throw new InputError(`a ${d.profile.kind} profile, not an execution trace`);
      profiler.add(d.trace);
      trace = d.trace;
    }
    writeOutput(flags.output, blockingProfileBytes(trace, profiler.records()[0]!));
    for (const w of trace.warnings) io.err(`pprof-diag: ${spec}: warning: ${w}\n`);
    return 0;
  } catch (e) {
    progress.clear();
    io.err(`pprof-diag: ${spec}: ${errorLine(e)}\n`);
    return 2;
  }
}
