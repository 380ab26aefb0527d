// Secrets of a channel: where they come from (inline, environment, file) and how they are kept out of
// every outcome, record and log line (`redact`). A platform's answer can echo the request URL, and an
// error from fetch or the SMTP client can carry the URL or the login: everything a channel reports
// passes through its redactor first.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

export interface SecretSources {
  env: NodeJS.ProcessEnv;
  /** Directory that relative `…File` names are relative to (the configuration file's). */
  baseDir: string;
}

export type Resolved = { value: string } | { problem: string };

/** Reads `field`, `fieldEnv` or `fieldFile` of a channel entry; absent is `{ value: '' }` unless required. */
export async function resolveSecret(entry: Record<string, unknown>, field: string, sources: SecretSources, required: boolean): Promise<Resolved> {
  const inline = entry[field];
  if (typeof inline === 'string') return { value: inline };
  const envName = entry[`${field}Env`];
  if (typeof envName === 'string') {
    const v = sources.env[envName];
    if (v === undefined || v === '') return { problem: `${field}Env: the environment variable ${envName} is not set` };
    return { value: v.trim() };
  }
  const file = entry[`${field}File`];
  if (typeof file === 'string') {
    const path = isAbsolute(file) ? file : resolve(sources.baseDir, file);
    try {
      const v = (await readFile(path, 'utf8')).trim();
      if (v === '') return { problem: `${field}File: ${path} is empty` };
      return { value: v };
    } catch (cause) {
      return { problem: `${field}File: cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}` };
    }
  }
  return required ? { problem: `${field}: not configured` } : { value: '' };
}

/**
 * A signed webhook's URL (required) and signing secret (optional), resolved together; `known` holds
 * every value found, for the redactor, even when the other one is missing.
 */
export async function resolveUrlAndSecret(entry: Record<string, unknown>, sources: SecretSources): Promise<{ url: string; secret: string; known: string[] } | { problem: string; known: string[] }> {
  const url = await resolveSecret(entry, 'url', sources, true);
  const secret = await resolveSecret(entry, 'secret', sources, false);
  const known = [url, secret].flatMap((r) => ('value' in r && r.value ? [r.value] : []));
  if ('problem' in url) return { problem: url.problem, known };
  if ('problem' in secret) return { problem: secret.problem, known };
  return { url: url.value, secret: secret.value, known };
}

/** Query parameters and path parts that are credentials on the platforms we talk to. */
const SECRET_PARAMS = /([?&](?:access_token|key|sign|token|secret|password)=)[^&\s"'<>]*/gi;
const FEISHU_HOOK = /(\/open-apis\/bot\/v2\/hook\/)[^\s"'<>?/]+/gi;
/** userinfo in a URL: scheme://user:password@host */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>]+@/gi;

/**
 * `text` with every known secret (and its URL- and base64-encoded forms) replaced by `***`, and
 * credential-shaped URL parts removed even when the secret itself was not known (a redirect's URL).
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  const forms = new Set<string>();
  for (const s of secrets) {
    if (s.length < 4) continue; // a 1–3 character "secret" would mangle every message; refused by config anyway
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(Buffer.from(s).toString('base64'));
    // Parts of a webhook URL: its token or key alone can appear in an answer.
    try {
      const u = new URL(s);
      for (const v of u.searchParams.values()) if (v.length >= 4) forms.add(v);
      const last = u.pathname.split('/').pop();
      if (last && last.length >= 16) forms.add(last);
      if (u.password) forms.add(u.password);
    } catch {
      // not a URL
    }
  }
  // Longest first: a secret that contains another is replaced whole.
  for (const f of [...forms].sort((a, b) => b.length - a.length)) out = out.split(f).join('***');
  return out.replace(SECRET_PARAMS, '$1***').replace(FEISHU_HOOK, '$1***').replace(URL_USERINFO, '$1***@');
}
