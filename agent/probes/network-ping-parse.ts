// Parsing the system ping's output, whatever its language: Linux iputils, macOS, and Windows in
// English, 简体中文 (code page 936) or 繁體中文 (code page 950). Pure functions, tested on recorded
// outputs in test/fixtures/ping/.
//
// The parser leans on what every language keeps: numbers, "ms", "TTL=", "=" and "%". Words are only
// needed to tell *why* a whole burst was lost (name not found, no route) from output it does not
// understand, which is a probe error, never a silent loss. Two things matter for the counts:
// - A reply counts only when it carries a round-trip time. Windows counts "Destination host
//   unreachable" answers (来自 … 的回复: 无法访问目标主机。) as *received* in its summary; they are losses.
// - Duplicate replies (iputils "DUP!") are not extra replies.

/** One run of `ping -c N`: what was sent, what came back, and how long the replies took. */
export interface PingBurst {
  sent: number;
  received: number;
  /** Round-trip time of each reply, in milliseconds, in arrival order. Windows' "<1ms" reads as 0.5. */
  rttsMs: number[];
  /** The summary line's figures, for outputs without per-reply lines. */
  summary?: { minMs: number; avgMs: number; maxMs: number; devMs?: number };
  /** Why every packet was lost, when the output says so. Losses, not errors. */
  failure?: PingFailure;
}

export type PingFailure = 'unknown-host' | 'unreachable' | 'timeout';

/** The probe could not measure at all (no privilege, bad arguments, output it does not understand). */
export class PingError extends Error {
  override readonly name = 'PingError';
}

const CODE_PAGE_MARKERS: Record<string, RegExp> = {
  // 简体中文 Windows: 来自 … 的回复 / 字节 / 时间 / 请求超时 / 数据包 / 找不到主机 / 无法访问
  gbk: /来自|回复|字节|时间|请求超时|数据包|已发送|找不到主机|无法访问|传输失败|一般故障/g,
  // 繁體中文 Windows: 回覆自 / 位元組 / 時間 / 要求等候逾時 / 封包 / 找不到主機 / 無法連線
  big5: /回覆自|位元組|時間|要求等候逾時|封包|已傳送|找不到主機|無法連線|傳輸失敗|一般失敗/g,
};

/**
 * Windows' ping writes in the console's OEM code page (936 in mainland China, 950 in Taiwan and
 * Hong Kong, 437/850 for English, which is ASCII here). A child process cannot ask which one without
 * starting another (`chcp`), so: valid UTF-8 is taken as is; otherwise each Chinese code page is
 * tried and the decoding that yields ping's own words wins. Bytes of one decode without error as the
 * other (both are double-byte), so the words decide, not the absence of errors.
 */
export function decodePingOutput(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // not UTF-8: a legacy code page
  }
  let best = { text: new TextDecoder('latin1').decode(bytes), score: 0 };
  for (const [encoding, markers] of Object.entries(CODE_PAGE_MARKERS)) {
    const text = new TextDecoder(encoding).decode(bytes);
    const score = (text.match(markers)?.length ?? 0) - (text.match(/\uFFFD/g)?.length ?? 0);
    if (score > best.score) best = { text, score };
  }
  return best.text;
}

const PROBE_ERRORS: [RegExp, string][] = [
  [/operation not permitted|cap_net_raw|permission denied|拒绝访问|存取被拒|access denied/i, 'ping is not permitted to send ICMP here (run the agent as a user ping works for: setcap cap_net_raw+ep on ping, net.ipv4.ping_group_range, or root)'],
  [/address family not supported/i, 'this machine has no IPv6 (or IPv4) stack for this target'],
  [/usage:|invalid argument|bad timing interval|cannot flood|minimal interval|bad (?:number|value|linger|wait)|invalid (?:count|interval|timeout)|option requires|illegal option|unknown option|bad parameter|选项.*值|選項.*值/i, 'ping refused its arguments'],
];

const UNKNOWN_HOST = /name or service not known|temporary failure in name resolution|no address associated|name has no usable address|unknown host|cannot resolve|could not find host|找不到主机|找不到主機|nodename nor servname/i;
const UNREACHABLE = /network is unreachable|no route to host|host is down|destination (?:host|net) unreachable|transmit failed|general failure|无法访问目标|目标网无法访问|無法連線到目的地|传输失败|傳輸失敗|一般故障|常见故障|一般失敗/i;

/** `=12ms`, `= 0.035 ms`, `<1ms`: one round-trip time in any language. */
const TIME = /([=<])\s*(\d+(?:\.\d+)?)\s*ms\b/gi;
/** iputils / macOS: "5 packets transmitted, 4 received" or "4 packets received". */
const UNIX_SUMMARY = /(\d+)\s+packets transmitted,\s*(\d+)\s+(?:packets\s+)?received/i;
/** Windows, any language: "Sent = 4, Received = 4, Lost = 0 (0% loss)" / "已发送 = 4，已接收 = 4，丢失 = 0 (0% 丢失)". */
const WINDOWS_SUMMARY = /=\s*(\d+)\D+?=\s*(\d+)\D+?=\s*(\d+)\s*\(\s*\d+(?:\.\d+)?\s*%/;
/** iputils "rtt min/avg/max/mdev = a/b/c/d ms", macOS "round-trip min/avg/max/stddev = a/b/c/d ms". */
const UNIX_RTT = /min\/avg\/max(?:\/(?:mdev|stddev))?\s*=\s*([\d.]+)\/([\d.]+)\/([\d.]+)(?:\/([\d.]+|nan))?\s*ms/i;

function replyTime(line: string): number | undefined {
  const times = [...line.matchAll(TIME)];
  // Windows' summary "Minimum = 0ms, Maximum = 1ms, Average = 0ms" has three: not a reply.
  if (times.length !== 1) return undefined;
  if (/\bDUP!/.test(line)) return undefined;
  const [, op, value] = times[0]!;
  return op === '<' ? Number(value) / 2 : Number(value);
}

/**
 * The burst an output describes. `requested` is the count the probe asked for: it stands for `sent`
 * when ping ended before its summary (the name did not resolve, the network is unreachable, or the
 * probe had to kill it). Throws PingError when the output shows the probe could not measure at all.
 */
export function parsePingOutput(text: string, requested: number, opts: { killed?: boolean } = {}): PingBurst {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  const rttsMs: number[] = [];
  let sent: number | undefined;
  let summary: PingBurst['summary'];
  for (const line of lines) {
    const unix = UNIX_SUMMARY.exec(line);
    if (unix) {
      sent = Number(unix[1]);
      continue;
    }
    const rtt = UNIX_RTT.exec(line);
    if (rtt) {
      const dev = rtt[4] === undefined || rtt[4] === 'nan' ? undefined : Number(rtt[4]);
      summary = { minMs: Number(rtt[1]), avgMs: Number(rtt[2]), maxMs: Number(rtt[3]), ...(dev === undefined ? {} : { devMs: dev }) };
      continue;
    }
    const windows = WINDOWS_SUMMARY.exec(line);
    if (windows) {
      sent = Number(windows[1]);
      continue;
    }
    const times = [...line.matchAll(TIME)];
    if (times.length === 3 && !/ttl/i.test(line)) {
      // Windows lists minimum, maximum, average, in that order, in every language.
      const [min, max, avg] = times.map((t) => Number(t[2]));
      summary = { minMs: min!, avgMs: avg!, maxMs: max! };
      continue;
    }
    const time = replyTime(line);
    if (time !== undefined) rttsMs.push(time);
  }

  if (sent === undefined) {
    for (const [pattern, message] of PROBE_ERRORS) {
      if (pattern.test(text)) throw new PingError(`${message}: ${firstLine(lines)}`);
    }
    const failure: PingFailure | undefined = UNKNOWN_HOST.test(text) ? 'unknown-host' : UNREACHABLE.test(text) ? 'unreachable' : opts.killed ? 'timeout' : undefined;
    if (failure === undefined && rttsMs.length === 0) throw new PingError(`ping output not understood: ${firstLine(lines) || '(no output)'}`);
    return { sent: Math.max(requested, rttsMs.length), received: rttsMs.length, rttsMs, ...(failure ? { failure } : {}) };
  }
  const received = Math.min(rttsMs.length, sent);
  const out: PingBurst = { sent, received, rttsMs: rttsMs.slice(0, received) };
  if (summary) out.summary = summary;
  if (received === 0 && UNKNOWN_HOST.test(text)) out.failure = 'unknown-host';
  else if (received === 0 && UNREACHABLE.test(text)) out.failure = 'unreachable';
  return out;
}

function firstLine(lines: string[]): string {
  return (lines[0] ?? '').slice(0, 200);
}

/** Round-trip statistics of a set of replies (milliseconds). Jitter: mean |difference| of successive RTTs (RFC 3550's idea, without its smoothing). */
export function rttStats(rttsMs: readonly number[]): { minMs: number; avgMs: number; maxMs: number; jitterMs?: number } | undefined {
  if (rttsMs.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const r of rttsMs) {
    min = Math.min(min, r);
    max = Math.max(max, r);
    sum += r;
  }
  let jitter: number | undefined;
  if (rttsMs.length >= 2) {
    let d = 0;
    for (let i = 1; i < rttsMs.length; i++) d += Math.abs(rttsMs[i]! - rttsMs[i - 1]!);
    jitter = d / (rttsMs.length - 1);
  }
  return { minMs: min, avgMs: sum / rttsMs.length, maxMs: max, ...(jitter === undefined ? {} : { jitterMs: jitter }) };
}
