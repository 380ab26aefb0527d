// Physical inspections and first sightings in PostgreSQL.
import type { Inspection, InspectionResult, InspectionStore } from '../store.js';
import type { PgRun } from './run.js';

interface Row {
  id: number;
  device: string;
  site: string;
  at_ms: number;
  user_name: string;
  result: InspectionResult;
  note: string;
}

const fromRow = (r: Row): Inspection => ({ id: r.id, device: r.device, site: r.site, atMs: r.at_ms, user: r.user_name, result: r.result, note: r.note });
const COLUMNS = 'id, device, site, at_ms, user_name, result, note';

export class PgInspections implements InspectionStore {
  constructor(private readonly q: PgRun) {}

  async record(i: Omit<Inspection, 'id'>): Promise<Inspection> {
    const [row] = await this.q.rows<{ id: number }>('INSERT INTO inspections (device, site, at_ms, user_name, result, note) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id', [i.device, i.site, i.atMs, i.user, i.result, i.note]);
    return { ...i, id: row!.id };
  }

  async forDevice(device: string, limit = 50): Promise<Inspection[]> {
    return (await this.q.rows<Row>(`SELECT ${COLUMNS} FROM inspections WHERE device = $1 ORDER BY at_ms DESC, id DESC LIMIT $2`, [device, limit])).map(fromRow);
  }

  async between(fromMs: number, toMs: number, device?: string): Promise<Inspection[]> {
    const rows =
      device === undefined
        ? await this.q.rows<Row>(`SELECT ${COLUMNS} FROM inspections WHERE at_ms >= $1 AND at_ms < $2 ORDER BY at_ms, id`, [fromMs, toMs])
        : await this.q.rows<Row>(`SELECT ${COLUMNS} FROM inspections WHERE device = $1 AND at_ms >= $2 AND at_ms < $3 ORDER BY at_ms, id`, [device, fromMs, toMs]);
    return rows.map(fromRow);
  }

  async latest(): Promise<Map<string, Inspection>> {
    const rows = await this.q.rows<Row>(`SELECT DISTINCT ON (device) ${COLUMNS} FROM inspections ORDER BY device, at_ms DESC, id DESC`);
    return new Map(rows.map((r) => [r.device, fromRow(r)]));
  }

  async firstSeen(): Promise<Map<string, number>> {
    const rows = await this.q.rows<{ device: string; first_seen_ms: number }>('SELECT device, first_seen_ms FROM device_first_seen');
    return new Map(rows.map((r) => [r.device, r.first_seen_ms]));
  }

  async markSeen(devices: readonly string[], atMs: number): Promise<void> {
    if (devices.length === 0) return;
    await this.q.count('INSERT INTO device_first_seen (device, first_seen_ms) SELECT d, $2 FROM unnest($1::text[]) AS t(d) ON CONFLICT (device) DO NOTHING', [devices, atMs]);
  }

  async forgetFirstSeen(device: string): Promise<void> {
    await this.q.count('DELETE FROM device_first_seen WHERE device = $1', [device]);
  }
}
