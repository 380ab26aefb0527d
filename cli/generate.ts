// `stationwatch generate`: writes the files derived from the indicator catalog. Without --overrides
// it writes the committed defaults (CI checks that regenerating changes nothing).
import { writeGeneratedRules } from '../alerts/generate-rules.js';
import { loadOverrides } from '../alerts/overrides.js';

export async function runGenerate(opts: { overrides?: string; out?: string }): Promise<number> {
  const overrides = opts.overrides ? await loadOverrides(opts.overrides) : undefined;
  const written = await writeGeneratedRules(opts.out ?? 'alerts/generated', overrides);
  console.log(`wrote ${written}`);
  return 0;
}
