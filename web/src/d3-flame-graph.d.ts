declare module 'd3-flame-graph' {
  /** d3-flame-graph's chart: a function of a selection with chained setters. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export type FlameGraphChart = any;
  export default function flamegraph(): FlameGraphChart;
}
