// The generated Alertmanager configuration, checked by the real amtool (Debian prometheus-alertmanager).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';
import { alertmanagerFileName, alertmanagerYaml, notificationTemplates, templatesFileName } from '../../alerts/alertmanager.js';

const dir = fileURLToPath(new URL('../../alerts/generated/', import.meta.url));
const file = join(dir, alertmanagerFileName);

function amtool(args: string[]): string {
  if (!existsSync('/usr/bin/amtool')) throw new Error('amtool not found: apt-get install -y --no-install-recommends prometheus-alertmanager');
  return execFileSync('/usr/bin/amtool', args, { encoding: 'utf8' });
}

describe('Alertmanager configuration', () => {
  it('is up to date (run `npm run generate` and commit the result)', () => {
    expect(readFileSync(file, 'utf8')).toBe(alertmanagerYaml());
    expect(readFileSync(join(dir, templatesFileName), 'utf8')).toBe(notificationTemplates);
  });

  it('passes amtool check-config, templates included', () => {
    expect(amtool(['check-config', file])).toContain('SUCCESS');
  });

  it('routes critical alerts to on-call and warnings to the IT team', () => {
    const route = (...labels: string[]) => amtool(['config', 'routes', 'test', `--config.file=${file}`, ...labels]).trim();
    expect(route('severity=critical', 'site=branch-a', 'device=pc-01')).toBe('on-call');
    expect(route('severity=warning', 'site=branch-a', 'device=pc-01')).toBe('it-team');
  });

  it('has e-mail, webhook and WeCom receivers with placeholders, not secrets', () => {
    const text = readFileSync(file, 'utf8');
    for (const key of ['email_configs', 'webhook_configs', 'wechat_configs', 'wechat_api_secret', 'smtp_auth_password']) expect(text).toContain(key);
    expect(text).toContain('<secret: SMTP password>');
    expect(text).toContain('<secret: WeCom application secret>');
  });

  it("every receiver also delivers to the collector's notification receiver, with the bearer token from a file", () => {
    const config = parse(readFileSync(file, 'utf8')) as { receivers: { name: string; webhook_configs: Record<string, unknown>[] }[] };
    for (const r of config.receivers) {
      expect(r.webhook_configs.at(-1), r.name).toEqual({
        url: 'http://stationwatch-collector.example.com:9847/api/v1/notify/alertmanager',
        send_resolved: true,
        max_alerts: 1000,
        http_config: { authorization: { type: 'Bearer', credentials_file: '/etc/prometheus/stationwatch-receiver-token' } },
      });
    }
  });

  it('inhibits a device\'s warnings while it is critical or not reporting', () => {
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/source_matchers:\s*\n\s*- severity="critical"\s*\n\s*target_matchers:\s*\n\s*- severity="warning"/);
    expect(text).toContain('alertname="StationwatchDeviceNotReporting"');
  });
});
