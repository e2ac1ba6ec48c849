/**
 * The v2 (Go 1.22+) wire event table: ids, names and argument names as the Go runtime
 * defines them. The decoder uses the argument counts; the names are those of Go's text form
 * (`EventBatch gen=1 m=… time=… size=…`), which the test helper reads.
 */

export const Ev = {
  None: 0,
  EventBatch: 1,
  Stacks: 2,
  Stack: 3,
  Strings: 4,
  String: 5,
  CPUSamples: 6,
  CPUSample: 7,
  Frequency: 8,
  ProcsChange: 9,
  ProcStart: 10,
  ProcStop: 11,
  ProcSteal: 12,
  ProcStatus: 13,
  GoCreate: 14,
  GoCreateSyscall: 15,
  GoStart: 16,
  GoDestroy: 17,
  GoDestroySyscall: 18,
  GoStop: 19,
  GoBlock: 20,
  GoUnblock: 21,
  GoSyscallBegin: 22,
  GoSyscallEnd: 23,
  GoSyscallEndBlocked: 24,
  GoStatus: 25,
  STWBegin: 26,
  STWEnd: 27,
  GCActive: 28,
  GCBegin: 29,
  GCEnd: 30,
  GCSweepActive: 31,
  GCSweepBegin: 32,
  GCSweepEnd: 33,
  GCMarkAssistActive: 34,
  GCMarkAssistBegin: 35,
  GCMarkAssistEnd: 36,
  HeapAlloc: 37,
  HeapGoal: 38,
  GoLabel: 39,
  UserTaskBegin: 40,
  UserTaskEnd: 41,
  UserRegionBegin: 42,
  UserRegionEnd: 43,
  UserLog: 44,
  GoSwitch: 45,
  GoSwitchDestroy: 46,
  GoCreateBlocked: 47,
  GoStatusStack: 48,
  ExperimentalBatch: 49,
  Sync: 50,
  ClockSnapshot: 51,
  EndOfGeneration: 52,
  // experiment 1 (AllocFree)
  Span: 128,
  SpanAlloc: 129,
  SpanFree: 130,
  HeapObject: 131,
  HeapObjectAlloc: 132,
  HeapObjectFree: 133,
  GoroutineStack: 134,
  GoroutineStackAlloc: 135,
  GoroutineStackFree: 136,
} as const;

export interface V2EventSpec {
  name: string;
  /** Argument names; timed events start with "dt". */
  args: readonly string[];
  timed: boolean;
  /** Followed by a varint length and that many bytes. */
  hasData?: boolean;
  /** Followed by nframes × {pc, func, file, line}. */
  isStack?: boolean;
  /** Header version that introduced it. */
  since: number;
}

const specs: (V2EventSpec | undefined)[] = [];
function def(id: number, name: string, args: string[], timed: boolean, since = 22, extra: Partial<V2EventSpec> = {}): void {
  specs[id] = { name, args, timed, since, ...extra };
}

def(Ev.EventBatch, 'EventBatch', ['gen', 'm', 'time', 'size'], false);
def(Ev.Stacks, 'Stacks', [], false);
def(Ev.Stack, 'Stack', ['id', 'nframes'], false, 22, { isStack: true });
def(Ev.Strings, 'Strings', [], false);
def(Ev.String, 'String', ['id'], false, 22, { hasData: true });
def(Ev.CPUSamples, 'CPUSamples', [], false);
def(Ev.CPUSample, 'CPUSample', ['time', 'm', 'p', 'g', 'stack'], false);
def(Ev.Frequency, 'Frequency', ['freq'], false);
def(Ev.ProcsChange, 'ProcsChange', ['dt', 'procs_value', 'stack'], true);
def(Ev.ProcStart, 'ProcStart', ['dt', 'p', 'p_seq'], true);
def(Ev.ProcStop, 'ProcStop', ['dt'], true);
def(Ev.ProcSteal, 'ProcSteal', ['dt', 'p', 'p_seq', 'm'], true);
def(Ev.ProcStatus, 'ProcStatus', ['dt', 'p', 'pstatus'], true);
def(Ev.GoCreate, 'GoCreate', ['dt', 'new_g', 'new_stack', 'stack'], true);
def(Ev.GoCreateSyscall, 'GoCreateSyscall', ['dt', 'new_g'], true);
def(Ev.GoStart, 'GoStart', ['dt', 'g', 'g_seq'], true);
def(Ev.GoDestroy, 'GoDestroy', ['dt'], true);
def(Ev.GoDestroySyscall, 'GoDestroySyscall', ['dt'], true);
def(Ev.GoStop, 'GoStop', ['dt', 'reason_string', 'stack'], true);
def(Ev.GoBlock, 'GoBlock', ['dt', 'reason_string', 'stack'], true);
def(Ev.GoUnblock, 'GoUnblock', ['dt', 'g', 'g_seq', 'stack'], true);
def(Ev.GoSyscallBegin, 'GoSyscallBegin', ['dt', 'p_seq', 'stack'], true);
def(Ev.GoSyscallEnd, 'GoSyscallEnd', ['dt'], true);
def(Ev.GoSyscallEndBlocked, 'GoSyscallEndBlocked', ['dt'], true);
def(Ev.GoStatus, 'GoStatus', ['dt', 'g', 'm', 'gstatus'], true);
def(Ev.STWBegin, 'STWBegin', ['dt', 'kind_string', 'stack'], true);
def(Ev.STWEnd, 'STWEnd', ['dt'], true);
def(Ev.GCActive, 'GCActive', ['dt', 'gc_seq'], true);
def(Ev.GCBegin, 'GCBegin', ['dt', 'gc_seq', 'stack'], true);
def(Ev.GCEnd, 'GCEnd', ['dt', 'gc_seq'], true);
def(Ev.GCSweepActive, 'GCSweepActive', ['dt', 'p'], true);
def(Ev.GCSweepBegin, 'GCSweepBegin', ['dt', 'stack'], true);
def(Ev.GCSweepEnd, 'GCSweepEnd', ['dt', 'swept_value', 'reclaimed_value'], true);
def(Ev.GCMarkAssistActive, 'GCMarkAssistActive', ['dt', 'g'], true);
def(Ev.GCMarkAssistBegin, 'GCMarkAssistBegin', ['dt', 'stack'], true);
def(Ev.GCMarkAssistEnd, 'GCMarkAssistEnd', ['dt'], true);
def(Ev.HeapAlloc, 'HeapAlloc', ['dt', 'heapalloc_value'], true);
def(Ev.HeapGoal, 'HeapGoal', ['dt', 'heapgoal_value'], true);
def(Ev.GoLabel, 'GoLabel', ['dt', 'label_string'], true);
def(Ev.UserTaskBegin, 'UserTaskBegin', ['dt', 'task', 'parent_task', 'name_string', 'stack'], true);
def(Ev.UserTaskEnd, 'UserTaskEnd', ['dt', 'task', 'stack'], true);
def(Ev.UserRegionBegin, 'UserRegionBegin', ['dt', 'task', 'name_string', 'stack'], true);
def(Ev.UserRegionEnd, 'UserRegionEnd', ['dt', 'task', 'name_string', 'stack'], true);
def(Ev.UserLog, 'UserLog', ['dt', 'task', 'key_string', 'value_string', 'stack'], true);
def(Ev.GoSwitch, 'GoSwitch', ['dt', 'g', 'g_seq'], true, 23);
def(Ev.GoSwitchDestroy, 'GoSwitchDestroy', ['dt', 'g', 'g_seq'], true, 23);
def(Ev.GoCreateBlocked, 'GoCreateBlocked', ['dt', 'new_g', 'new_stack', 'stack'], true, 23);
def(Ev.GoStatusStack, 'GoStatusStack', ['dt', 'g', 'm', 'gstatus', 'stack'], true, 23);
def(Ev.ExperimentalBatch, 'ExperimentalBatch', ['exp', 'gen', 'm', 'time'], false, 23, { hasData: true });
def(Ev.Sync, 'Sync', [], false, 25);
def(Ev.ClockSnapshot, 'ClockSnapshot', ['dt', 'mono', 'sec', 'nsec'], true, 25);
def(Ev.EndOfGeneration, 'EndOfGeneration', [], false, 26);
def(Ev.Span, 'Span', ['dt', 'id', 'npages_value', 'kindclass'], true, 23);
def(Ev.SpanAlloc, 'SpanAlloc', ['dt', 'id', 'npages_value', 'kindclass'], true, 23);
def(Ev.SpanFree, 'SpanFree', ['dt', 'id'], true, 23);
def(Ev.HeapObject, 'HeapObject', ['dt', 'id', 'type'], true, 23);
def(Ev.HeapObjectAlloc, 'HeapObjectAlloc', ['dt', 'id', 'type'], true, 23);
def(Ev.HeapObjectFree, 'HeapObjectFree', ['dt', 'id'], true, 23);
def(Ev.GoroutineStack, 'GoroutineStack', ['dt', 'id', 'order'], true, 23);
def(Ev.GoroutineStackAlloc, 'GoroutineStackAlloc', ['dt', 'id', 'order'], true, 23);
def(Ev.GoroutineStackFree, 'GoroutineStackFree', ['dt', 'id'], true, 23);

/** Spec of each wire event id (undefined for ids that do not exist). */
export const V2_SPECS: readonly (V2EventSpec | undefined)[] = specs;

/** Number of arguments after the timestamp delta, per timed event id; -1 for non-timed ids. */
export const V2_NARGS: Int8Array = (() => {
  const n = new Int8Array(256).fill(-1);
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i];
    if (s && s.timed && s.args.length > 0) n[i] = s.args.length - 1;
  }
  return n;
})();

/** Spec lookup by name for a header version (the text form only knows the events of its version). */
export function v2SpecsByName(version: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i];
    if (s && s.since <= version) out.set(s.name, i);
  }
  return out;
}
