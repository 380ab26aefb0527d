// What the runner passes to every benchmark.
export interface BenchOptions {
  /** A few seconds per benchmark: proves it runs and produces its tables (the test suite uses it). */
  smoke: boolean;
  log(message: string): void;
  /** `data` of the benchmarks that ran before in this run, by name. */
  previous: Record<string, Record<string, number> | undefined>;
}
