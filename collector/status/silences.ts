// Alertmanager's HTTP API v2: a silence on the device's alerts for a maintenance period, and its
// expiry when the work ends early. Every call has a timeout; a failure is reported, never hidden.
export interface SilenceRequest {
  device: string;
  startsMs: number;
  endsMs: number;
  createdBy: string;
  comment: string;
}

const timeoutMs = 5000;

async function call(url: string, init: RequestInit): Promise<Response> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`Alertmanager answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return res;
}

export async function createSilence(alertmanagerUrl: string, s: SilenceRequest): Promise<string> {
  const res = await call(`${alertmanagerUrl.replace(/\/+$/, '')}/api/v2/silences`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      matchers: [{ name: 'device', value: s.device, isRegex: false, isEqual: true }],
      startsAt: new Date(s.startsMs).toISOString(),
      endsAt: new Date(s.endsMs).toISOString(),
      createdBy: s.createdBy,
      comment: s.comment,
    }),
  });
  const body = (await res.json()) as { silenceID?: string };
  if (!body.silenceID) throw new Error('Alertmanager did not return a silence id');
  return body.silenceID;
}

export async function expireSilence(alertmanagerUrl: string, id: string): Promise<void> {
  await call(`${alertmanagerUrl.replace(/\/+$/, '')}/api/v2/silence/${encodeURIComponent(id)}`, { method: 'DELETE' });
}
