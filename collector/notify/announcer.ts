// The all-in-one notifier's memory (mode `collector`): which alerts are firing, which have been
// announced, what is due. It does what Alertmanager does for a Prometheus deployment, on the
// collector's own evaluation: a new alert waits `groupWait` so alerts of one device arriving together
// make one message (group key site/device, as the generated Alertmanager config groups); an
// announced alert still firing is repeated every `repeatInterval`; an announced alert that ends is
// announced resolved; a silenced alert (maintenance, outside business hours for an indicator gated on
// them) is neither announced nor repeated, and one that ends while silenced is forgotten quietly.
// Pure logic on hand-given inputs and times: the service feeds it every evaluation and persists what
// it announces (so a restart neither repeats nor forgets anything).
import { randomUUID } from 'node:crypto';
import type { AnnouncedAlert } from '../store/store.js';
import type { Mentions, Notification, NotifiedAlert } from './types.js';

export interface Observed {
  /** Unique per alert series (the evaluator's key). */
  key: string;
  alert: NotifiedAlert;
}

export interface AnnouncerOptions {
  groupWaitMs: number;
  repeatIntervalMs: number;
  mentionsOf(site: string): Mentions;
  newId?: () => string;
}

export interface Due {
  notifications: Notification[];
  /** Announced alerts to store (new, repeated, updated). */
  set: AnnouncedAlert[];
  /** Keys no longer announced (resolved, or ended while silenced). */
  resolved: string[];
}

interface Group {
  flushAtMs: number;
  resolved: Map<string, NotifiedAlert>;
}

export const groupKeyOf = (a: { site: string; device?: string }) => (a.device === undefined ? a.site : `${a.site}/${a.device}`);

export class Announcer {
  private readonly announced = new Map<string, AnnouncedAlert>();
  /** The alerts firing at the last observation, not silenced, by group. */
  private firing = new Map<string, Map<string, NotifiedAlert>>();
  private silenced = new Set<string>();
  private readonly groups = new Map<string, Group>();
  private quiet: string[] = [];
  private readonly newId: () => string;

  constructor(
    private readonly o: AnnouncerOptions,
    restored: readonly AnnouncedAlert[] = [],
  ) {
    for (const a of restored) this.announced.set(a.key, a);
    this.newId = o.newId ?? randomUUID;
  }

  /**
   * Every alert firing now (the whole fleet) and whether each is silenced (the reason, or undefined).
   * Alerts not listed have ended.
   */
  observe(firing: readonly Observed[], silencedBy: (a: NotifiedAlert) => string | undefined, nowMs: number): void {
    const byGroup = new Map<string, Map<string, NotifiedAlert>>();
    const silenced = new Set<string>();
    const seen = new Set<string>();
    for (const o of firing) {
      seen.add(o.key);
      if (silencedBy(o.alert) !== undefined) {
        silenced.add(o.key);
        continue;
      }
      const g = groupKeyOf(o.alert);
      let m = byGroup.get(g);
      if (!m) byGroup.set(g, (m = new Map()));
      m.set(o.key, o.alert);
      const known = this.announced.get(o.key);
      if (known) known.alert = { ...o.alert, startsAtMs: known.alert.startsAtMs };
      else this.schedule(g, nowMs);
    }
    for (const [key, a] of this.announced) {
      if (seen.has(key)) continue;
      const ended: NotifiedAlert = { ...a.alert, status: 'resolved', endsAtMs: nowMs };
      if (silencedBy(ended) !== undefined) {
        // Ended while silenced: Alertmanager sends nothing either; the alert is forgotten.
        this.announced.delete(key);
        this.quiet.push(key);
        continue;
      }
      const g = this.schedule(a.groupKey, nowMs);
      if (!g.resolved.has(key)) g.resolved.set(key, ended);
    }
    this.firing = byGroup;
    this.silenced = silenced;
  }

  private schedule(groupKey: string, nowMs: number): Group {
    let g = this.groups.get(groupKey);
    if (!g) this.groups.set(groupKey, (g = { flushAtMs: nowMs + this.o.groupWaitMs, resolved: new Map() }));
    return g;
  }

  /** The notifications due at `nowMs`, with the announced-state changes that go with them. */
  due(nowMs: number): Due {
    const out: Due = { notifications: [], set: [], resolved: this.quiet };
    this.quiet = [];
    for (const [groupKey, g] of this.groups) {
      if (g.flushAtMs > nowMs) continue;
      this.groups.delete(groupKey);
      // Resolved alerts that fire again before the flush are still firing: no message about them.
      for (const key of g.resolved.keys()) if (this.firing.get(groupKey)?.has(key) || this.silenced.has(key)) g.resolved.delete(key);
      const firing = [...(this.firing.get(groupKey) ?? new Map<string, NotifiedAlert>())];
      const fresh = firing.filter(([key]) => !this.announced.has(key));
      if (fresh.length === 0 && g.resolved.size === 0) continue;
      out.notifications.push(this.message(groupKey, [...firing.map(([, a]) => a), ...g.resolved.values()], false, nowMs));
      for (const [key, alert] of firing) {
        const a: AnnouncedAlert = { key, groupKey, alert, lastSentMs: nowMs };
        this.announced.set(key, a);
        out.set.push(a);
      }
      for (const key of g.resolved.keys()) {
        this.announced.delete(key);
        out.resolved.push(key);
      }
    }
    // Repeats: a group whose alerts have all been announced, the oldest announcement a repeat interval ago.
    for (const [groupKey, alerts] of this.firing) {
      if (this.groups.has(groupKey)) continue;
      const mine = [...alerts.keys()].flatMap((k) => this.announced.get(k) ?? []);
      if (mine.length === 0 || mine.length < alerts.size) continue;
      if (nowMs - Math.min(...mine.map((a) => a.lastSentMs)) < this.o.repeatIntervalMs) continue;
      out.notifications.push(this.message(groupKey, mine.map((a) => a.alert), true, nowMs));
      for (const a of mine) {
        a.lastSentMs = nowMs;
        out.set.push(a);
      }
    }
    return out;
  }

  /** How many alerts are announced and not resolved (for tests and logs). */
  get announcedCount(): number {
    return this.announced.size;
  }

  private message(groupKey: string, alerts: NotifiedAlert[], repeat: boolean, nowMs: number): Notification {
    const first = alerts[0]!;
    return {
      id: this.newId(),
      groupKey,
      site: first.site,
      ...(first.device !== undefined ? { device: first.device } : {}),
      status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
      repeat,
      alerts,
      mentions: this.o.mentionsOf(first.site),
      source: 'collector',
      createdMs: nowMs,
    };
  }
}
