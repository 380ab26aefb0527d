// GET /docs/runbooks/<indicator>.md — the runbooks, rendered to HTML, so an alert's runbook_url works
// in a branch without internet. Headings get ids equal to the alert name in lower case, which is the
// anchor the rule generator writes.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Marked } from 'marked';
import { packageRoot } from '../../common/package-root.js';
import { ApiError } from '../errors.js';

const marked = new Marked({
  renderer: {
    heading({ tokens, depth, text }) {
      const id = text.toLowerCase().replace(/[^a-z0-9\u4e00-\u9fff]+/g, '-').replace(/^-|-$/g, '');
      return `<h${depth} id="${id}">${this.parser.parseInline(tokens)}</h${depth}>\n`;
    },
  },
});

const page = (title: string, body: string) => `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — stationwatch</title>
<style>body{font:16px/1.6 system-ui,"Microsoft YaHei","PingFang SC",sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1d2430}
h2{border-top:1px solid #dde3ea;padding-top:1rem}:target{background:#fff6d6}code{background:#f1f3f6;padding:0 .2em}</style>
</head><body>${body}</body></html>`;

export async function runbookRoutes(app: FastifyInstance): Promise<void> {
  const dir = join(packageRoot(), 'docs', 'runbooks');
  app.get('/docs/runbooks/', async (_req, reply) => {
    const files = (await readdir(dir)).filter((f) => f.endsWith('.md')).sort();
    const list = files.map((f) => `<li><a href="${f}">${f.replace(/\.md$/, '')}</a></li>`).join('');
    return reply.type('text/html; charset=utf-8').send(page('Runbooks', `<h1>Runbooks / 处置手册</h1><ul>${list}</ul>`));
  });
  app.get<{ Params: { file: string } }>('/docs/runbooks/:file', async (req, reply) => {
    // Only plain file names of existing runbooks: no path can leave the folder.
    if (!/^[a-z0-9-]+\.md$/.test(req.params.file)) throw new ApiError('not_found');
    let text: string;
    try {
      text = await readFile(join(dir, req.params.file), 'utf8');
    } catch {
      throw new ApiError('not_found');
    }
    const title = req.params.file.replace(/\.md$/, '');
    return reply.type('text/html; charset=utf-8').send(page(title, await marked.parse(text)));
  });
}
