// Firewall verdicts from what each platform prints. "Enabled" means inbound traffic is filtered by
// default: a Linux input hook that drops what no rule accepted, a Windows profile switched on, the
// macOS application firewall switched on. A ruleset that only logs or accepts is not a firewall.

export interface ProfileVerdict {
  /** Windows: domain, private, public. Elsewhere: all. */
  profile: string;
  enabled: boolean;
}

/** Expressions that do not make a rule conditional: the rule still applies to every packet. */
const NEUTRAL_EXPRESSIONS = new Set(['counter', 'log', 'comment']);
const BLOCKING_VERDICTS = new Set(['drop', 'reject']);

interface NftChain { family?: string; table?: string; name?: string; hook?: string; type?: string; policy?: string }
interface NftRule { family?: string; table?: string; chain?: string; expr?: Record<string, unknown>[] }

/**
 * `nft -j list ruleset`: enabled when a base chain on the input hook of an IPv4-capable family (ip,
 * inet) has a drop policy, or ends in a rule that drops or rejects every packet (firewalld's and
 * some hand-written rulesets keep policy accept and end with a catch-all reject). Drop is final
 * across base chains, so one such chain is enough. Throws on text that is not nft's JSON.
 */
export function firewallFromNftJson(text: string): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new Error('nft printed something that is not JSON', { cause });
  }
  const items = (doc as { nftables?: unknown })?.nftables;
  if (!Array.isArray(items)) throw new Error('nft JSON has no "nftables" array');
  const chains: NftChain[] = [];
  const rules: NftRule[] = [];
  for (const item of items as Record<string, unknown>[]) {
    if (item && typeof item.chain === 'object') chains.push(item.chain as NftChain);
    if (item && typeof item.rule === 'object') rules.push(item.rule as NftRule);
  }
  const key = (family?: string, table?: string, chain?: string) => `${family}\u0000${table}\u0000${chain}`;
  const lastRule = new Map<string, NftRule>();
  for (const r of rules) lastRule.set(key(r.family, r.table, r.chain), r); // nft lists rules in order
  return chains.some((c) => {
    if (c.hook !== 'input' || (c.type !== undefined && c.type !== 'filter') || !['ip', 'inet'].includes(c.family ?? '')) return false;
    if (c.policy === 'drop') return true;
    const last = lastRule.get(key(c.family, c.table, c.name));
    return last !== undefined && blocksEverything(last.expr ?? []);
  });
}

/** iptables-nft writes its REJECT target as an `xt` expression, not as nft's own reject. */
function isBlockingVerdict(e: Record<string, unknown>): boolean {
  const name = Object.keys(e)[0] ?? '';
  if (BLOCKING_VERDICTS.has(name)) return true;
  const xt = e.xt as { type?: string; name?: string } | undefined;
  return name === 'xt' && xt?.type === 'target' && (xt.name === 'REJECT' || xt.name === 'DROP');
}

function blocksEverything(expr: Record<string, unknown>[]): boolean {
  if (expr.length === 0) return false;
  return isBlockingVerdict(expr[expr.length - 1]!) && expr.slice(0, -1).every((e) => NEUTRAL_EXPRESSIONS.has(Object.keys(e)[0] ?? ''));
}

/**
 * `iptables -S INPUT`: `-P INPUT DROP`, or a last rule that is nothing but `-j DROP` / `-j REJECT`
 * (with at most a comment and a reject type), as firewalld's iptables backend writes.
 */
export function firewallFromIptablesRules(text: string): boolean {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('-P INPUT') || l.startsWith('-A INPUT'));
  if (!lines.some((l) => l.startsWith('-P INPUT '))) throw new Error('iptables printed no INPUT policy');
  if (lines.some((l) => /^-P INPUT (DROP|REJECT)\b/.test(l))) return true;
  const last = lines.filter((l) => l.startsWith('-A INPUT')).pop();
  if (!last) return false;
  const rest = last
    .replace(/^-A INPUT\s*/, '')
    .replace(/-m comment --comment ("[^"]*"|\S+)\s*/g, '')
    .replace(/--reject-with \S+\s*/g, '')
    .trim();
  return /^-j (DROP|REJECT)$/.test(rest);
}

/**
 * The JSON the Windows script prints: `{ "Service": "Running", "Profiles": [{ "Name": "Domain",
 * "Enabled": "True" }, ...] }` from `Get-Service mpssvc` and `Get-NetFirewallProfile -PolicyStore
 * ActiveStore`. Enabled is "True"/"False" (the script casts it to a string), a boolean, or the
 * GpoBoolean number (1 true, 0 false, 2 not configured — no verdict, left out); a single profile may
 * come as an object. With the firewall service stopped nothing is filtered, whatever a profile says.
 */
export function firewallFromWindowsJson(text: string): ProfileVerdict[] {
  let doc: { Service?: unknown; Profiles?: unknown };
  try {
    doc = JSON.parse(text.trim()) as typeof doc;
  } catch (cause) {
    throw new Error('the firewall query printed something that is not JSON', { cause });
  }
  const list = Array.isArray(doc?.Profiles) ? doc.Profiles : doc?.Profiles ? [doc.Profiles] : [];
  const serviceRunning = typeof doc?.Service !== 'string' || /^running$/i.test(doc.Service);
  const out: ProfileVerdict[] = [];
  for (const p of list as { Name?: unknown; Enabled?: unknown }[]) {
    if (typeof p?.Name !== 'string') continue;
    const e = p.Enabled;
    const on = e === true || e === 1 || (typeof e === 'string' && /^true$/i.test(e));
    const off = e === false || e === 0 || (typeof e === 'string' && /^false$/i.test(e));
    if (on || off) out.push({ profile: p.Name.toLowerCase(), enabled: on && serviceRunning });
  }
  if (out.length === 0) throw new Error('Get-NetFirewallProfile listed no profile with an on/off state');
  return out;
}

/**
 * `socketfilterfw --getglobalstate`: "Firewall is enabled. (State = 1)", "Firewall is disabled.
 * (State = 0)"; state 2 is "block all incoming connections", which is enabled too.
 */
export function firewallFromSocketfilterfw(text: string): boolean {
  const state = /State = (\d)/.exec(text);
  if (state) return state[1] !== '0';
  if (/firewall is (enabled|blocking)/i.test(text)) return true;
  if (/firewall is disabled/i.test(text)) return false;
  throw new Error(`socketfilterfw answered "${text.trim().slice(0, 100)}"`);
}
