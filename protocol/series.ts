// A series as the collector exposes it and the status engine and rules read it: a metric name, its
// labels (device and site included) and a value. In protocol/ because the collector produces it and
// alerts/ consumes it, and neither should depend on the other's code for the shape.
export type Labels = Readonly<Record<string, string>>;

export interface Series {
  readonly metric: string;
  /** Including device and site. */
  readonly labels: Labels;
  readonly value: number;
}
