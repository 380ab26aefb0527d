// Reading a long-running iputils `ping -n -O` line by line (Linux). Pure: tested on recorded lines.
//
// Loss accounting by icmp_seq, because a ping that never exits prints no summary:
// - every icmp_seq seen means that many requests were sent (sent = the highest seq seen; requests
//   still in flight are not counted until a later line shows them);
// - a request is lost when `-O` prints "no answer yet for icmp_seq=N" (at the next send: one
//   interval without a reply), or when a later request is answered or reported without it;
// - "From … icmp_seq=N Destination Host Unreachable" is not a reply; `-O` or a later seq settles N;
// - a reply that comes after its request was already counted lost keeps it lost (counters only go
//   up), but its round-trip time is real and is kept, and it is a reply for the last-reply time;
// - duplicates ("DUP!") are not replies.
// iputils writes the wire's 16-bit sequence in reply lines (wrapping after 65535) and its own count
// in "no answer yet" lines: both are unwrapped to the count nearest the last one seen.

export type StreamLine =
  | { kind: 'reply'; seq: number; rttMs: number }
  | { kind: 'no-answer'; seq: number }
  | { kind: 'error'; seq: number };

const SEQ = /\bicmp_seq=(\d+)/;
const TIME = /\btime[=<]\s*(\d+(?:\.\d+)?)\s*ms\b/;

/** One line of iputils output (C locale); undefined for lines that say nothing about a request. */
export function parseStreamLine(line: string): StreamLine | undefined {
  const s = SEQ.exec(line);
  if (!s) return undefined;
  const seq = Number(s[1]);
  if (/^no answer yet\b/i.test(line.trim())) return { kind: 'no-answer', seq };
  if (/\bDUP!/.test(line)) return undefined;
  const t = TIME.exec(line);
  if (t) return { kind: 'reply', seq, rttMs: Number(t[1]) };
  return { kind: 'error', seq };
}

const WRAP = 65536;

/** What one line changed: requests newly known as sent and as lost, and a reply's round-trip time. */
export interface SeqDelta {
  sent: number;
  lost: number;
  rttMs?: number;
}

/** The sequence accounting of ONE ping process (a restarted ping starts again at 1: a new account). */
export class SeqAccount {
  /** Highest request number seen (unwrapped). */
  private highest = 0;
  /** Every request up to here is decided: answered or counted lost. */
  private settled = 0;
  /** Answered requests above `settled`. */
  private readonly answered = new Set<number>();

  private unwrap(raw: number): number {
    const r = raw % WRAP;
    const base = this.highest - (this.highest % WRAP);
    let best = base + r;
    for (const c of [base + r - WRAP, base + r + WRAP]) if (c > 0 && Math.abs(c - this.highest) < Math.abs(best - this.highest)) best = c;
    return best;
  }

  /** Counts every undecided request up to `upTo` without an answer as lost. */
  private settle(upTo: number): number {
    if (upTo <= this.settled) return 0;
    let answered = 0;
    for (const s of this.answered) {
      if (s <= upTo) {
        answered++;
        this.answered.delete(s);
      }
    }
    const lost = upTo - this.settled - answered;
    this.settled = upTo;
    return lost;
  }

  feed(line: StreamLine): SeqDelta {
    const seq = this.unwrap(line.seq);
    const sent = Math.max(0, seq - this.highest);
    this.highest = Math.max(this.highest, seq);
    if (line.kind === 'no-answer') return { sent, lost: this.settle(seq) };
    const lost = this.settle(seq - 1);
    if (line.kind === 'error') return { sent, lost };
    if (seq <= this.settled) return { sent, lost, rttMs: line.rttMs }; // late: already lost
    if (this.answered.has(seq)) return { sent, lost }; // an unmarked duplicate
    this.answered.add(seq);
    return { sent, lost, rttMs: line.rttMs };
  }

  /** The process ended: whatever was sent and never answered is lost. */
  close(): number {
    return this.settle(this.highest);
  }
}
