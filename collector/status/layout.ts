// The page frame: landmarks (header, nav, main), a skip link, the language switch, who is logged in,
// and a small script that refreshes the live parts of the page without a reload. Plain CSS with
// high-contrast badges whose text says the state (colour is never the only signal); readable on a
// phone (one column, large touch targets).
import type { Caller } from './request-auth.js';
import { html, raw, type Html } from './html.js';
import type { StaticAssets } from './static-assets.js';

const css = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;color:#1b1f24;background:#f6f7f9}
a{color:#0b57d0}a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #f2a900;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:9}
header{background:#1b2a41;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center}
header a{color:#fff}header h1{font-size:1.2rem;margin:0}nav ul{list-style:none;display:flex;gap:1rem;margin:0;padding:0;flex-wrap:wrap}
.who{margin-left:auto;display:flex;gap:.75rem;align-items:center;flex-wrap:wrap}.who form{margin:0}
main{max-width:72rem;margin:0 auto;padding:1rem}
button,.button{font:inherit;padding:.45rem .9rem;border-radius:.3rem;border:1px solid #1b2a41;background:#1b2a41;color:#fff;cursor:pointer;min-height:2.5rem}
.link-button{background:none;border:0;color:#fff;text-decoration:underline;padding:0;min-height:auto}
input,select,textarea{font:inherit;padding:.4rem;border:1px solid #6b7280;border-radius:.3rem;max-width:100%}
label{display:block;font-weight:600;margin:.5rem 0 .2rem}fieldset{border:1px solid #c9ced6;border-radius:.3rem}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;margin-bottom:1rem}.filters label{margin:0}
.devices{list-style:none;padding:0;margin:0;display:grid;gap:.75rem;grid-template-columns:repeat(auto-fill,minmax(20rem,1fr))}
.card{background:#fff;border:1px solid #d5dae1;border-radius:.4rem;padding:.75rem}.card h3{margin:0;font-size:1.1rem}
.meta{color:#4b5563;font-size:.9rem;margin:.1rem 0 .5rem}
.badges{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.35rem}
.badge{display:inline-block;border-radius:1rem;padding:.15rem .6rem;font-size:.85rem;border:1px solid}
.badge.normal{background:#e6f4ea;color:#0d5223;border-color:#0d5223}.badge.abnormal{background:#fde7e7;color:#8a1111;border-color:#8a1111;font-weight:700}
.badge.unavailable{background:#eef0f3;color:#3f4753;border-color:#6b7280;border-style:dashed}.badge.not_reporting{background:#fff4d6;color:#6b4500;border-color:#6b4500}
.maint{background:#e8f0fe;border:1px solid #0b57d0;border-radius:.3rem;padding:.3rem .6rem;margin:.4rem 0;font-size:.9rem}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.92rem}th,td{border:1px solid #d5dae1;padding:.35rem .5rem;text-align:left;vertical-align:top}
.scroll{overflow-x:auto}.error{color:#8a1111;font-weight:700}.notice{color:#0d5223;font-weight:700}.muted{color:#4b5563}
.badge-list{list-style:none;padding:0;margin:0}.badge-list>li{margin:.5rem 0}.badge-list .muted{display:block;font-size:.85rem}.badge-list ul{margin:.2rem 0 0 1.2rem;padding:0}
section{margin:1.5rem 0}h2{font-size:1.15rem;border-bottom:1px solid #d5dae1;padding-bottom:.2rem}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.chart-bar{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}.chart-bar p{margin:0}
.ranges{display:flex;flex-wrap:wrap;gap:.3rem}.ranges button{background:#fff;color:#1b2a41}.ranges button[aria-pressed=true]{background:#1b2a41;color:#fff}
.chart-group h3{font-size:1rem;margin:1rem 0 .4rem}.chart-grid{display:grid;gap:.75rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,28rem),1fr))}
figure.chart{margin:0;background:#fff;border:1px solid #d5dae1;border-radius:.4rem;padding:.5rem;min-width:0}
figure.chart figcaption{margin-bottom:.3rem}.chart-title{font-weight:600;display:block}.chart-summary{font-size:.85rem;color:#4b5563}
.plot{position:relative;width:100%;min-width:0}.u-legend{font-size:.8rem}.u-legend .u-marker{width:.8em;height:.8em}
.ov{position:absolute;top:0;bottom:0;width:2px;margin-left:-1px;z-index:5;cursor:help}.sw{display:inline-block;width:.9rem;height:.9rem;vertical-align:-.1rem;margin-right:.3rem;border-radius:.1rem}
.ov-state.ov-abnormal{background:#c5221f}.ov-state.ov-normal{background:#188038}.ov-state.ov-not_reporting{background:#b06000}.ov-state.ov-unavailable{background:#6b7280}
.ov-inspection{background:transparent;border-left:2px dashed #188038}.ov-inspection.ov-fault{border-left-color:#c5221f}
.ov.ov-maintenance{background:rgba(11,87,208,.14);margin-left:0;z-index:4}.sw.ov-maintenance{background:rgba(11,87,208,.25)}
.ov-boot{background:#0b57d0}.ov-unclean_shutdown{background:#6a1b9a;border-left:2px solid #6a1b9a}
.ov-backup.ov-ok{background:#00796b}.ov-backup.ov-failed,.ov-backup.ov-corrupt{background:transparent;border-left:3px dotted #c5221f}
.threshold-warning{border-top:2px dashed #e37400;height:0}.threshold-critical{border-top:2px dashed #c5221f;height:0}
.overlay-legend{font-size:.85rem;margin-top:.5rem}.overlay-legend ul{list-style:none;display:flex;flex-wrap:wrap;gap:.2rem 1rem;padding:0;margin:.2rem 0}
.spark{margin-top:.5rem;display:grid;gap:.2rem}.spark-line{display:flex;align-items:center;gap:.5rem;min-width:0}.spark-line svg{width:9rem;height:1.6rem;flex:none;background:#f6f7f9;border-radius:.2rem}
.spark-path{fill:none;stroke:#0b57d0;stroke-width:1.5;vector-effect:non-scaling-stroke}.spark-line[data-abnormal] .spark-path{stroke:#c5221f}.spark-label{font-size:.85rem;color:#4b5563}
.timelines{display:grid;gap:.75rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,28rem),1fr));margin-top:.5rem}
table.values-summary th.group{background:#eef0f3}table.values-summary th[scope=row]{font-weight:400}
@media (max-width:40rem){main{padding:.5rem}.devices{grid-template-columns:1fr}header{padding:.5rem}}
`;

// Refresh: fetch this very URL and swap the elements marked data-live (same ids), every N seconds;
// no framework, no reload, forms and focus elsewhere on the page are left alone.
const refreshScript = (seconds: number) => `(function(){var busy=false;setInterval(function(){if(busy||document.hidden)return;busy=true;
fetch(location.href,{headers:{'x-stationwatch-refresh':'1'},credentials:'same-origin'}).then(function(r){return r.ok?r.text():null}).then(function(t){if(!t)return;
var doc=new DOMParser().parseFromString(t,'text/html');document.querySelectorAll('[data-live]').forEach(function(el){var n=doc.getElementById(el.id);if(n&&n.innerHTML!==el.innerHTML)el.innerHTML=n.innerHTML;});
}).catch(function(){}).then(function(){busy=false;});},${seconds * 1000});})();`;

export function page(opts: { caller: Caller; title: string; body: Html; nonce: string; refreshSeconds?: number; path: string; assets?: StaticAssets }): string {
  const { caller, nonce } = opts;
  const t = caller.t;
  const other = caller.lang === 'en' ? { lang: 'zh', label: '中文' } : { lang: 'en', label: 'English' };
  const target = new URL(opts.path, 'http://page');
  target.searchParams.set('lang', other.lang);
  const switchHref = `${target.pathname}${target.search}`;
  const who = caller.user
    ? html`<span>${t('loggedInAs')} <strong>${caller.user.name}</strong> (${t(caller.user.role)})</span>
        <form method="post" action="/logout"><input type="hidden" name="_csrf" value="${caller.csrf ?? ''}"><button class="link-button" type="submit">${t('logout')}</button></form>`
    : html`<a href="/login?next=${encodeURIComponent(opts.path)}">${t('login')}</a>`;
  return `<!doctype html>${html`<html lang="${caller.lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} — stationwatch</title><style nonce="${nonce}">${raw(css)}</style>${opts.assets ? html`<link rel="stylesheet" nonce="${nonce}" href="${opts.assets.url('uplot.min.css')}">` : ''}</head>
<body><a class="skip" href="#main">${t('skip')}</a>
<header><h1><a href="/">stationwatch</a></h1>
<nav aria-label="${t('nav')}"><ul><li><a href="/">${t('navStatus')}</a></li><li><a href="/export">${t('navExport')}</a></li><li><a href="/docs/runbooks/">${t('navRunbooks')}</a></li>${caller.user?.role === 'admin' ? html`<li><a href="/admin/users">${t('navUsers')}</a></li>` : ''}</ul></nav>
<div class="who"><a href="${switchHref}" lang="${other.lang === 'zh' ? 'zh-CN' : 'en'}" hreflang="${other.lang === 'zh' ? 'zh-CN' : 'en'}" aria-label="${t('language')}: ${other.label}">${other.label}</a>${who}</div></header>
<main id="main">${opts.body}</main>
${opts.refreshSeconds ? html`<script nonce="${nonce}">${raw(refreshScript(opts.refreshSeconds))}</script>` : ''}
${opts.assets ? html`<script nonce="${nonce}" src="${opts.assets.url('uplot.min.js')}"></script><script type="module" nonce="${nonce}" src="${opts.assets.url('history-page.js')}"></script>` : ''}
</body></html>`}`;
}
