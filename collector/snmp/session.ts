// One SNMP session per poll, wrapped in one promise: net-snmp reports some failures as `error`
// events rather than callbacks, and an unhandled one would crash the collector. The session is
// closed in `finally` whatever happens, and at once when `signal` aborts (the poll's deadline):
// closing its socket cancels every request in flight, so an abandoned walk sends nothing more.
import snmp from 'net-snmp';
import type { SnmpTarget } from './config.js';

export interface Varbind {
  oid: string;
  value: unknown;
}

export interface SnmpClient {
  get(oids: string[]): Promise<Varbind[]>;
  /** Every varbind under `oid` (GETBULK walk). */
  walk(oid: string): Promise<Varbind[]>;
}

const authProtocols = { md5: snmp.AuthProtocols.md5, sha: snmp.AuthProtocols.sha, sha256: snmp.AuthProtocols.sha256, sha512: snmp.AuthProtocols.sha512 } as const;
const privProtocols = { des: snmp.PrivProtocols.des, aes: snmp.PrivProtocols.aes, aes256b: snmp.PrivProtocols.aes256b, aes256r: snmp.PrivProtocols.aes256r } as const;

function open(t: SnmpTarget): snmp.Session {
  const options = { port: t.port, retries: t.retries, timeout: t.timeoutSeconds * 1000, idBitsSize: 32 as const };
  if (t.version === '2c') return snmp.createSession(t.host, t.community ?? 'public', { ...options, version: snmp.Version2c });
  const u = t.user!;
  const level = u.privKey ? snmp.SecurityLevel.authPriv : u.authKey ? snmp.SecurityLevel.authNoPriv : snmp.SecurityLevel.noAuthNoPriv;
  return snmp.createV3Session(
    t.host,
    {
      name: u.name,
      level,
      ...(u.authKey ? { authProtocol: authProtocols[u.authProtocol], authKey: u.authKey } : {}),
      ...(u.privKey ? { privProtocol: privProtocols[u.privProtocol], privKey: u.privKey } : {}),
    },
    { ...options, version: snmp.Version3 },
  );
}

export async function withSession<T>(t: SnmpTarget, work: (client: SnmpClient) => Promise<T>, signal?: AbortSignal): Promise<T> {
  signal?.throwIfAborted();
  const session = open(t);
  let failSession: (err: Error) => void = () => {};
  const sessionFailed = new Promise<never>((_, reject) => (failSession = reject));
  session.on('error', (err: Error) => failSession(new Error('SNMP session error', { cause: err })));
  sessionFailed.catch(() => {}); // observed through the race below
  const client: SnmpClient = {
    get: (oids) =>
      new Promise((resolve, reject) =>
        session.get(oids, (err, varbinds) => {
          if (err) return reject(err);
          resolve((varbinds ?? []).filter((v) => !snmp.isVarbindError(v)).map((v) => ({ oid: v.oid, value: v.value })));
        }),
      ),
    walk: (oid) =>
      new Promise((resolve, reject) => {
        const out: Varbind[] = [];
        session.subtree(
          oid,
          20,
          (varbinds) => {
            for (const v of varbinds) if (!snmp.isVarbindError(v)) out.push({ oid: v.oid, value: v.value });
          },
          (err) => (err ? reject(err) : resolve(out)),
        );
      }),
  };
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      reject(signal!.reason);
      session.close();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {}); // observed through the race below
  try {
    return await Promise.race([work(client), sessionFailed, aborted]);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // A second close of net-snmp's socket throws ERR_SOCKET_DGRAM_NOT_RUNNING.
    if (!signal?.aborted) session.close();
  }
}
