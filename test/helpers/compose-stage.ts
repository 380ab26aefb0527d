// docker-compose.yml without a container engine: its bind mounts are copied into a temporary
// directory that stands for a container's filesystem ("staging"), so the real tools (promtool,
// amtool, Prometheus, the collector) read exactly the files compose would mount, at the paths it
// would mount them. Service names are mapped to loopback addresses chosen by the test.
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface ComposeService {
  build?: unknown;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export function loadCompose(): ComposeFile {
  return parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')) as ComposeFile;
}

export interface Mount {
  /** Host path (absolute) for a bind mount, the volume name for a named volume. */
  source: string;
  target: string;
  bind: boolean;
}

/** A service's volumes in compose's short syntax `source:target[:ro]`. */
export function mountsOf(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((v) => {
    const [source, target] = v.split(':') as [string, string];
    const bind = source.startsWith('.') || isAbsolute(source);
    return { source: bind ? resolve(repoRoot, source) : source, target, bind };
  });
}

/** Copies the service's bind mounts into `root` (named volumes become empty directories); returns `root`. */
export function stageService(compose: ComposeFile, name: string, root: string): string {
  const service = compose.services[name];
  if (!service) throw new Error(`docker-compose.yml has no service ${name}`);
  for (const m of mountsOf(service)) {
    const to = join(root, m.target);
    if (m.bind) {
      mkdirSync(dirname(to), { recursive: true });
      cpSync(m.source, to, { recursive: true });
    } else mkdirSync(to, { recursive: true });
  }
  return root;
}

/** Replaces `service:port` (as one container reaches another) by the loopback address given for it. */
export function mapServices(text: string, addresses: Readonly<Record<string, string>>): string {
  return text.replace(/\b([a-z][a-z0-9_-]*):(\d{2,5})\b/g, (whole, service: string) => addresses[service] ?? whole);
}
