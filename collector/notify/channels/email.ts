// E-mail over SMTP with nodemailer: STARTTLS required (default; a server that does not offer it is
// refused rather than sent the password in clear), TLS from the first byte (port 465), or none (a
// relay on this host). One mail per send, a plain-text part and an HTML part, the subject in both
// languages. A new connection per send: sends are rare, and a password read from a file or the
// environment at send time takes effect without a restart.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import type { Channel, Notification, SendOutcome } from '../types.js';
import { channelContext, guarded, type ChannelDeps } from './base.js';
import type { EmailChannelConfig } from './config.js';
import { buildMessage, html, plainText, renderWithin } from './format.js';
import { resolveSecret } from './secrets.js';

/** A mail is not a chat message, but a 2,000-alert summary is unreadable: the same cut applies. */
export const EMAIL_MAX_TEXT_BYTES = 200_000;

export function emailContent(batch: readonly Notification[], config: Pick<EmailChannelConfig, 'timeZone'>, nowMs: number): { subject: string; text: string; html: string } {
  const model = buildMessage(batch, { nowMs, timeZone: config.timeZone });
  const text = renderWithin(model, plainText, EMAIL_MAX_TEXT_BYTES).text;
  const body = renderWithin(model, html, EMAIL_MAX_TEXT_BYTES * 2).text;
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>${model.title.replace(/[<&>]/g, '')}</title></head><body style="font-family:sans-serif;font-size:14px">\n${body}\n<p style="color:#888;font-size:12px">stationwatch</p></body></html>`;
  return { subject: `[stationwatch] ${model.title}`, text, html: page };
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/** The server's own answer when there is one (535 5.7.8 …), else the client's reason. */
export function smtpOutcome(err: SmtpError): SendOutcome {
  const answer = err.response ? `${err.response}` : err.message;
  const detail = `SMTP ${err.code ?? 'error'}${err.command ? ` (${err.command})` : ''}: ${answer}`.replace(/\s+/g, ' ').slice(0, 1000);
  if (err.code === 'EAUTH') return { ok: false, retryable: false, detail: `login refused: ${detail}` };
  if (err.code === 'ETLS' || /certificate|self[- ]signed|STARTTLS/i.test(err.message)) return { ok: false, retryable: false, detail };
  if (typeof err.responseCode === 'number') return { ok: false, retryable: err.responseCode < 500, detail };
  // Connection refused, reset, timed out, DNS: the server may come back.
  return { ok: false, retryable: true, detail };
}

export function createEmailChannel(config: EmailChannelConfig, deps: ChannelDeps): Channel {
  const ctx = channelContext(config.name, deps);
  let secrets: string[] = [];
  const security = config.security ?? 'starttls';
  return {
    name: config.name,
    type: 'email',
    limits: { perMinute: config.perMinute ?? 30 },
    send: (batch, signal) =>
      guarded(ctx, () => secrets, async () => {
        const password = await resolveSecret(config, 'password', ctx.sources, config.user !== undefined);
        secrets = 'value' in password && password.value ? [password.value] : [];
        if ('problem' in password) return { ok: false, retryable: false, detail: password.problem };
        let ca: string | undefined;
        if (config.caFile) {
          const path = isAbsolute(config.caFile) ? config.caFile : resolve(ctx.sources.baseDir, config.caFile);
          try {
            ca = await readFile(path, 'utf8');
          } catch (cause) {
            return { ok: false, retryable: false, detail: `caFile: cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}` };
          }
        }
        const transport = nodemailer.createTransport({
          host: config.host,
          port: config.port ?? (security === 'tls' ? 465 : 587),
          secure: security === 'tls',
          requireTLS: security === 'starttls',
          ignoreTLS: security === 'none',
          ...(config.user ? { auth: { user: config.user, pass: password.value } } : {}),
          // SNI carries a host name only (RFC 6066); the certificate is checked against the host either way.
          tls: { ...(isIP(config.host) ? {} : { servername: config.host }), ...(ca ? { ca } : {}) },
          connectionTimeout: ctx.timeoutMs,
          greetingTimeout: ctx.timeoutMs,
          socketTimeout: ctx.timeoutMs,
          disableFileAccess: true,
          disableUrlAccess: true,
        });
        const content = emailContent(batch, config, ctx.now());
        // One deadline for the whole conversation (nodemailer's are per phase), and the engine's signal.
        let stop: (reason: string) => void = () => {};
        const stopped = new Promise<SendOutcome>((res) => {
          stop = (reason) => res({ ok: false, retryable: true, detail: reason });
        });
        const timer = setTimeout(() => stop(`no answer within ${ctx.timeoutMs} ms`), ctx.timeoutMs);
        const onAbort = () => stop('cancelled (the collector is stopping)');
        signal.addEventListener('abort', onAbort, { once: true });
        if (signal.aborted) onAbort();
        try {
          const sent: Promise<SendOutcome> = transport
            .sendMail({
              from: config.from,
              to: config.to,
              ...(config.cc?.length ? { cc: config.cc } : {}),
              subject: content.subject,
              text: content.text,
              html: content.html,
              headers: { 'X-Stationwatch-Notification-Ids': batch.map((n) => n.id).join(',') },
            })
            .then(
              (info): SendOutcome => {
                const rejected = (info.rejected ?? []).map(String);
                // Delivered to the others: a retry would send them the same mail again.
                if (rejected.length > 0) return { ok: true, detail: `SMTP: ${info.response}; refused recipients: ${rejected.join(', ')}` };
                return { ok: true, detail: `SMTP: ${info.response}` };
              },
              (err: SmtpError) => smtpOutcome(err),
            );
          return await Promise.race([sent, stopped]);
        } finally {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          transport.close();
        }
      }),
  };
}
