// The device page's "forget this device" form: administrators only, for devices not configured in
// the collector's configuration file; the name must be typed again (routes/device-admin.ts).
import type { DeviceRecord } from '../device-store.js';
import { hasRole } from '../store/users.js';
import { html, type Html } from './html.js';
import type { Caller } from './request-auth.js';

export function forgetForm(d: DeviceRecord, c: Caller): Html | '' {
  if (!hasRole(c.user, 'admin') || d.configured) return '';
  const { t } = c;
  return html`<section aria-labelledby="h-forget"><h2 id="h-forget">${t('forgetDevice')}</h2>
<form method="post" action="/devices/${encodeURIComponent(d.name)}/forget" id="forget-form"><input type="hidden" name="_csrf" value="${c.csrf ?? ''}">
<p class="muted" id="forget-hint">${t('forgetHint')}</p>
<label for="confirm">${t('forgetConfirm')}</label><input id="confirm" name="confirm" required autocomplete="off" spellcheck="false" aria-describedby="forget-hint">
<button type="submit">${t('forgetDevice')}</button></form></section>`;
}
