// Prometheus remote-write 1.0 body: a protobuf WriteRequest, snappy-compressed (block format).
// The message types are declared with protobufjs' reflection API (no .proto file to ship or load);
// field numbers are those of prometheus/prompb/types.proto and remote.proto.
import protobuf from 'protobufjs';
import * as snappy from 'snappyjs';

const { Field, Type } = protobuf;

const Label = new Type('Label').add(new Field('name', 1, 'string')).add(new Field('value', 2, 'string'));
const Sample = new Type('Sample').add(new Field('value', 1, 'double')).add(new Field('timestamp', 2, 'int64'));
const TimeSeries = new Type('TimeSeries').add(new Field('labels', 1, 'Label', 'repeated')).add(new Field('samples', 2, 'Sample', 'repeated'));
const WriteRequest = new Type('WriteRequest').add(new Field('timeseries', 1, 'TimeSeries', 'repeated'));
new protobuf.Root().define('prometheus').add(Label).add(Sample).add(TimeSeries).add(WriteRequest);

export interface Series {
  /** Including `__name__`. */
  labels: Record<string, string>;
  samples: Array<{ value: number; timestampMs: number }>;
}

/** The compressed body; labels sorted by name and samples by time, as receivers require. */
export function encodeWriteRequest(series: readonly Series[]): Uint8Array {
  const message = WriteRequest.create({
    timeseries: series.map((s) => ({
      labels: Object.keys(s.labels)
        .sort()
        .map((name) => ({ name, value: s.labels[name] })),
      samples: [...s.samples].sort((a, b) => a.timestampMs - b.timestampMs).map((x) => ({ value: x.value, timestamp: x.timestampMs })),
    })),
  });
  return snappy.compress(WriteRequest.encode(message).finish());
}

/** The reverse, for tests: what a receiver would read from the body. */
export function decodeWriteRequest(body: Uint8Array): Series[] {
  const decoded = WriteRequest.toObject(WriteRequest.decode(snappy.uncompress(body)), { longs: Number, defaults: true }) as { timeseries: Array<{ labels: Array<{ name: string; value: string }>; samples: Array<{ value: number; timestamp: number }> }> };
  return decoded.timeseries.map((t) => ({ labels: Object.fromEntries(t.labels.map((l) => [l.name, l.value])), samples: t.samples.map((x) => ({ value: x.value, timestampMs: x.timestamp })) }));
}

