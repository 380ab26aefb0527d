// Maintenance periods in PostgreSQL.
import type { Maintenance, MaintenanceStore } from '../store.js';
import type { PgRun } from './run.js';

interface Row {
  id: number;
  device: string;
  starts_ms: number;
  ends_ms: number;
  user_name: string;
  reason: string;
  silence_id: string | null;
  silence_error: string | null;
  created_ms: number;
}

const fromRow = (r: Row): Maintenance => ({ id: r.id, device: r.device, startsMs: r.starts_ms, endsMs: r.ends_ms, user: r.user_name, reason: r.reason, silenceId: r.silence_id, silenceError: r.silence_error, createdMs: r.created_ms });
const COLUMNS = 'id, device, starts_ms, ends_ms, user_name, reason, silence_id, silence_error, created_ms';

export class PgMaintenance implements MaintenanceStore {
  constructor(private readonly q: PgRun) {}

  async create(m: Omit<Maintenance, 'id'>): Promise<Maintenance> {
    const [row] = await this.q.rows<{ id: number }>(
      'INSERT INTO maintenance (device, starts_ms, ends_ms, user_name, reason, silence_id, silence_error, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id',
      [m.device, m.startsMs, m.endsMs, m.user, m.reason, m.silenceId, m.silenceError, m.createdMs],
    );
    return { ...m, id: row!.id };
  }

  async get(id: number): Promise<Maintenance | undefined> {
    const [row] = await this.q.rows<Row>(`SELECT ${COLUMNS} FROM maintenance WHERE id = $1`, [id]);
    return row && fromRow(row);
  }

  async end(id: number, nowMs: number): Promise<void> {
    await this.q.count('UPDATE maintenance SET ends_ms = LEAST(ends_ms, $1), ended_early_ms = $1 WHERE id = $2', [nowMs, id]);
  }

  async open(nowMs: number): Promise<Maintenance[]> {
    return (await this.q.rows<Row>(`SELECT ${COLUMNS} FROM maintenance WHERE ends_ms > $1 ORDER BY starts_ms, id`, [nowMs])).map(fromRow);
  }

  async forDevice(device: string, limit = 20): Promise<Maintenance[]> {
    return (await this.q.rows<Row>(`SELECT ${COLUMNS} FROM maintenance WHERE device = $1 ORDER BY starts_ms DESC, id DESC LIMIT $2`, [device, limit])).map(fromRow);
  }
}
