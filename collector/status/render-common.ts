// Pieces both pages use: times, badges, indicator titles.
import type { Indicator } from '../../alerts/catalog/types.js';
import type { Badge } from './badges.js';
import { html, type Html } from './html.js';
import type { Lang, T } from './i18n.js';

export function time(ms: number | undefined, lang: Lang, t: T): Html {
  if (ms === undefined) return html`${t('never')}`;
  const text = new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(ms));
  return html`<time datetime="${new Date(ms).toISOString()}">${text}</time>`;
}

export function badge(b: Badge, indicator: Indicator, lang: Lang, t: T): Html {
  const state = t(b.state);
  const severity = b.severity ? ` (${t(b.severity)})` : '';
  return html`<span class="badge ${b.state}" data-indicator="${b.indicator}" data-state="${b.state}">${indicator.title[lang]}: ${state}${severity}</span>`;
}
