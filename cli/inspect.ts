// `stationwatch inspect record|list`: records a physical inspection on the collector (or lists a
// device's), as a technician on the floor would on the status page. Logs in with the user's password
// (STATIONWATCH_PASSWORD or standard input), records, and ends the session again.
import { createInterface } from 'node:readline';
import { COMMANDS, inspectListCommand, inspectRecordCommand } from './commands.js';
import { formatGroupUsage, groupHelp, parseCommand } from './usage.js';

export interface InspectOptions {
  sub: string | undefined;
  device?: string;
  result?: string;
  note?: string;
  collector: string;
  user?: string;
  password?: string;
  stdin: NodeJS.ReadableStream;
}

const usage = formatGroupUsage(COMMANDS, 'inspect');

export async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  const rl = createInterface({ input, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

export async function api(url: string, init: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw new Error(`cannot reach the collector at ${new URL(url).origin}: ${(err as Error).message}`);
  }
  const text = await res.text();
  const body = text ? (JSON.parse(text) as { message?: string; problems?: string[] }) : {};
  if (!res.ok) throw new Error(`${body.message ?? `HTTP ${res.status}`}${body.problems ? `: ${body.problems.join('; ')}` : ''}`);
  return body;
}

export async function runInspect(o: InspectOptions, out: (line: string) => void): Promise<number> {
  if ((o.sub !== 'record' && o.sub !== 'list') || !o.device) throw new Error(usage);
  if (o.sub === 'record' && o.result !== 'ok' && o.result !== 'fault') throw new Error(`--result must be ok or fault\n${usage}`);
  if (!o.user) throw new Error(`--user (or STATIONWATCH_USER) is needed\n${usage}`);
  const base = o.collector.replace(/\/+$/, '');
  const password = o.password ?? (await firstLine(o.stdin));
  const session = (await api(`${base}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: o.user, password }) })) as { token: string };
  const auth = { authorization: `Bearer ${session.token}` };
  try {
    if (o.sub === 'record') {
      const saved = (await api(`${base}/api/v1/inspections`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ device: o.device, result: o.result, note: o.note ?? '' }) })) as { id: number; at: string };
      out(`recorded inspection ${saved.id} of ${o.device} at ${saved.at}: ${o.result}`);
    } else {
      const { inspections } = (await api(`${base}/api/v1/devices/${encodeURIComponent(o.device)}/inspections`, { headers: auth })) as { inspections: { at: string; result: string; user: string; note: string }[] };
      for (const i of inspections) out(`${i.at}\t${i.result}\t${i.user}\t${i.note.replace(/\s+/g, ' ')}`);
      if (inspections.length === 0) out(`no inspection of ${o.device} recorded`);
    }
  } finally {
    await fetch(`${base}/api/v1/sessions/current`, { method: 'DELETE', headers: auth, signal: AbortSignal.timeout(5000) }).catch(() => undefined);
  }
  return 0;
}

/** Parses `inspect record|list` arguments and runs it; env: STATIONWATCH_COLLECTOR_URL, _USER, _PASSWORD. */
export async function runInspectCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'record' && sub !== 'list') return groupHelp(COMMANDS, 'inspect', args);
  const parsed = sub === 'record' ? parseCommand(inspectRecordCommand, rest) : parseCommand(inspectListCommand, rest);
  if (typeof parsed === 'number') return parsed;
  const values: { device: string; result?: string; note?: string; collector?: string; user?: string } = parsed.values;
  try {
    return await runInspect(
      {
        sub,
        ...(values.device ? { device: values.device } : {}),
        ...(values.result ? { result: values.result } : {}),
        ...(values.note !== undefined ? { note: values.note } : {}),
        collector: values.collector ?? env.STATIONWATCH_COLLECTOR_URL ?? 'http://127.0.0.1:9847',
        ...((values.user ?? env.STATIONWATCH_USER) ? { user: values.user ?? env.STATIONWATCH_USER } : {}),
        ...(env.STATIONWATCH_PASSWORD ? { password: env.STATIONWATCH_PASSWORD } : {}),
        stdin: process.stdin,
      },
      (line) => console.log(line),
    );
  } catch (err) {
    console.error(`stationwatch inspect: ${(err as Error).message}`);
    return 1;
  }
}
