// Writes dashboards/generated/<lang>/<id>.json. JSON has no comments: the "generated, do not edit"
// note is the dashboards' description and dashboards/README.md; the unit test that compares these
// files with a fresh generation is what keeps them from going stale.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ThresholdOverrides } from '../../alerts/thresholds.js';
import { buildDashboards, langs } from './index.js';

/** File path (relative to `outDir`) → file text, for every language and dashboard. */
export function generatedDashboardFiles(overrides?: ThresholdOverrides): Map<string, string> {
  const files = new Map<string, string>();
  for (const lang of langs) {
    for (const [id, json] of Object.entries(buildDashboards(lang, overrides))) files.set(join(lang, `${id}.json`), `${JSON.stringify(json, null, 2)}\n`);
  }
  return files;
}

/** Writes every dashboard under `outDir` and returns the paths written. */
export async function writeGeneratedDashboards(outDir: string, overrides?: ThresholdOverrides): Promise<string[]> {
  const written: string[] = [];
  for (const [rel, text] of generatedDashboardFiles(overrides)) {
    const file = join(outDir, rel);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, text, 'utf8');
    written.push(file);
  }
  return written;
}
