// The admin page's user list and forms (collector/routes/users-admin.ts): the store's users, each
// with a form to change role, sites and whether it is disabled, and one to remove it (the name typed
// again); the configuration file's users, read-only; a form to add a user.
import type { StoredUser } from '../store/store.js';
import { userRoles } from '../store/user-rules.js';
import type { User } from '../store/users.js';
import { html, type Html } from './html.js';
import type { Caller } from './request-auth.js';

const roleSelect = (c: Caller, id: string, selected: string) =>
  html`<select id="${id}" name="role">${userRoles.map((r) => html`<option value="${r}"${r === selected ? html` selected` : ''}>${c.t(r)}</option>`)}</select>`;

const sitesText = (c: Caller, sites: readonly string[]) => (sites.length > 0 ? sites.join(', ') : c.t('usersAllSites'));

export function renderUsers(stored: readonly StoredUser[], fromFile: readonly User[], c: Caller, message?: { kind: 'notice' | 'error'; text: string }): Html {
  const { t } = c;
  const csrf = html`<input type="hidden" name="_csrf" value="${c.csrf ?? ''}">`;
  const inFile = new Set(fromFile.map((u) => u.name));
  const storeRows = stored.map((u, i) => {
    const path = `/admin/users/${encodeURIComponent(u.name)}`;
    return html`<tr data-user="${u.name}"><th scope="row">${u.name}${inFile.has(u.name) ? html` <span class="muted">(${t('usersInConfig')})</span>` : ''}</th>
<td><form method="post" action="${path}" class="user-change">${csrf}
<label for="role-${i}">${t('usersRole')}</label>${roleSelect(c, `role-${i}`, u.role)}
<label for="sites-${i}">${t('usersSites')}</label><textarea id="sites-${i}" name="sites" rows="2" aria-describedby="sites-hint">${u.sites.join('\n')}</textarea>
<label><input type="checkbox" name="disabled" value="1"${u.disabled ? html` checked` : ''}> ${t('usersDisable')}</label>
<p><button type="submit">${t('usersSave')}</button></p></form></td>
<td>${u.disabled ? t('usersDisabled') : t('usersEnabled')}</td>
<td><form method="post" action="${path}/remove" class="user-remove">${csrf}
<label for="confirm-${i}">${t('usersRemoveConfirm')}</label><input id="confirm-${i}" name="confirm" required autocomplete="off" spellcheck="false">
<p><button type="submit">${t('usersRemove')}</button></p></form></td></tr>`;
  });
  const fileRows = fromFile.map((u) => html`<tr data-user="${u.name}" data-source="config"><th scope="row">${u.name}</th><td>${t(u.role)} — ${sitesText(c, u.sites)}</td><td>${t('usersEnabled')}</td><td>${t('usersInConfig')}</td></tr>`);
  return html`<h2>${t('usersTitle')}</h2>
${message ? html`<p class="${message.kind}" role="${message.kind === 'error' ? 'alert' : 'status'}" id="users-message">${message.text}</p>` : ''}
<p class="muted">${t('usersHint')}</p>
<div class="scroll"><table id="users"><thead><tr><th scope="col">${t('usersName')}</th><th scope="col">${t('usersRole')} / ${t('usersSites')}</th><th scope="col">${t('usersState')}</th><th scope="col"></th></tr></thead>
<tbody>${storeRows}${fileRows}</tbody></table></div>
<section aria-labelledby="h-add-user"><h2 id="h-add-user">${t('usersAdd')}</h2>
<form method="post" action="/admin/users" id="add-user">${csrf}
<label for="new-name">${t('usersName')}</label><input id="new-name" name="name" required autocomplete="off" autocapitalize="none" spellcheck="false" maxlength="64">
<label for="new-password">${t('password')}</label><input id="new-password" name="password" type="password" required minlength="8" autocomplete="new-password">
<label for="new-role">${t('usersRole')}</label>${roleSelect(c, 'new-role', 'viewer')}
<label for="new-sites">${t('usersSites')}</label><textarea id="new-sites" name="sites" rows="2" aria-describedby="sites-hint"></textarea>
<p class="muted" id="sites-hint">${t('usersSitesHint')}</p>
<p><button type="submit">${t('usersAdd')}</button></p></form></section>`;
}
