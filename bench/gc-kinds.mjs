// The kinds of garbage collection Node's `gc` performance entries name, for the bench's preloads
// (gc-observer.mjs, loop-stalls.mjs).
import { constants } from 'node:perf_hooks';

export const GC_KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
