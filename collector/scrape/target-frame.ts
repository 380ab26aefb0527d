// What one frame of the ring (byte-ring.ts) tells the scrape thread, in bytes:
//   u8 kind
//   kind TARGETS: u32 seq (0: none; else the thread answers "applied"), u32 removed, removed × name,
//                 u32 set, set × (name, f64 receivedAtMs, f64 reportingUntilMs (NaN: none),
//                 i32 record length (-1: never reported), the record (target-record.ts))
//   kind EXTERNAL: u32 id — the next frame came as a message of its own (too big for the ring), with this id
// A name is u16 byte length then UTF-8.

export const TARGETS = 1;
export const EXTERNAL = 2;

/** A device as a target: what the thread needs to answer for it without asking the event loop. */
export interface TargetUpdate {
  name: string;
  /** Last report (or poll) on the collector's clock; absent: never reported. */
  receivedAtMs?: number;
  /** Until when the device counts as reporting (DeviceStore.isReporting), on the collector's clock. */
  reportingUntilMs?: number;
  /** Its record (target-record.ts); absent: never reported. */
  record?: { length: number; write: (into: Buffer, at: number) => number };
}

export function updateLength(u: TargetUpdate): number {
  return 2 + Buffer.byteLength(u.name) + 8 + 8 + 4 + (u.record?.length ?? 0);
}

export function frameLength(removed: readonly string[], set: readonly TargetUpdate[]): number {
  let n = 1 + 4 + 4 + 4;
  for (const name of removed) n += 2 + Buffer.byteLength(name);
  for (const u of set) n += updateLength(u);
  return n;
}

export function writeFrame(into: Buffer, at: number, seq: number, removed: readonly string[], set: readonly TargetUpdate[]): number {
  let p = into.writeUInt8(TARGETS, at);
  p = into.writeUInt32LE(seq, p);
  p = into.writeUInt32LE(removed.length, p);
  for (const name of removed) p = writeName(into, p, name);
  p = into.writeUInt32LE(set.length, p);
  for (const u of set) {
    p = writeName(into, p, u.name);
    p = into.writeDoubleLE(u.receivedAtMs ?? NaN, p);
    p = into.writeDoubleLE(u.reportingUntilMs ?? NaN, p);
    p = into.writeInt32LE(u.record ? u.record.length : -1, p);
    if (u.record) {
      const end = u.record.write(into, p);
      if (end !== p + u.record.length) throw new Error(`target ${u.name}: its record wrote ${end - p} bytes, not ${u.record.length}`);
      p = end;
    }
  }
  return p;
}

export function writeExternal(into: Buffer, at: number, id: number): number {
  return into.writeUInt32LE(id, into.writeUInt8(EXTERNAL, at));
}
export const EXTERNAL_LENGTH = 5;

/** The thread's side: walks a TARGETS frame, handing each removal and update to the callbacks. */
export function readFrame(
  frame: Buffer,
  on: { removed: (name: string) => void; set: (name: string, receivedAtMs: number | undefined, reportingUntilMs: number | undefined, record: Buffer | undefined) => void },
): { seq: number } {
  let p = 1;
  const seq = frame.readUInt32LE(p);
  p += 4;
  const removed = frame.readUInt32LE(p);
  p += 4;
  for (let i = 0; i < removed; i++) {
    const n = frame.readUInt16LE(p);
    on.removed(frame.toString('utf8', p + 2, p + 2 + n));
    p += 2 + n;
  }
  const set = frame.readUInt32LE(p);
  p += 4;
  for (let i = 0; i < set; i++) {
    const n = frame.readUInt16LE(p);
    const name = frame.toString('utf8', p + 2, p + 2 + n);
    p += 2 + n;
    const received = frame.readDoubleLE(p);
    const until = frame.readDoubleLE(p + 8);
    const length = frame.readInt32LE(p + 16);
    p += 20;
    on.set(name, Number.isNaN(received) ? undefined : received, Number.isNaN(until) ? undefined : until, length >= 0 ? frame.subarray(p, p + length) : undefined);
    if (length > 0) p += length;
  }
  return { seq };
}

function writeName(into: Buffer, at: number, name: string): number {
  const n = into.write(name, at + 2, 'utf8');
  into.writeUInt16LE(n, at);
  return at + 2 + n;
}
