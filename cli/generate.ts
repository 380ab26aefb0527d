// `stationwatch generate`: writes the files derived from the indicator catalog — the Prometheus
// rules, the example Alertmanager configuration and its notification templates, and the Grafana
// dashboards (dashboards/generated/<lang>/). Without --overrides
// it writes the committed defaults (a unit test checks that regenerating changes nothing).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alertmanagerFileName, alertmanagerYaml, notificationTemplates, templatesFileName } from '../alerts/alertmanager.js';
import { writeGeneratedRules } from '../alerts/generate-rules.js';
import { loadOverrides } from '../alerts/overrides.js';
import { writeGeneratedDashboards } from '../dashboards/src/write.js';

export async function runGenerate(opts: { overrides?: string; out?: string }): Promise<number> {
  const out = opts.out ?? 'alerts/generated';
  const overrides = opts.overrides ? await loadOverrides(opts.overrides) : undefined;
  const written = [await writeGeneratedRules(out, overrides)];
  for (const [name, text] of [[alertmanagerFileName, alertmanagerYaml()], [templatesFileName, notificationTemplates]] as const) {
    await writeFile(join(out, name), text, 'utf8');
    written.push(join(out, name));
  }
  // Grafana dashboards share the thresholds; with --out (a site's own set) they go to <out>/dashboards.
  written.push(...(await writeGeneratedDashboards(opts.out ? join(opts.out, 'dashboards') : 'dashboards/generated', overrides?.thresholds)));
  console.log(`wrote ${written.join(', ')}`);
  return 0;
}
