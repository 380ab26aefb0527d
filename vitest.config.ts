import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Integration suites that start every daemon they need themselves, never touch the shared
// Prometheus/Alertmanager (test/integration/fixtures/prometheus-global.ts) and assert no timing a busy
// neighbour could upset: they run beside the unit tests, several files at once. Most of their time is
// waiting (fleet-failover keeps PostgreSQL stopped for 2 minutes; the benchmark smoke run waits on
// the daemons it starts), which one file at a time left the machine idle.
// Not here, though standalone: windows-wine (the agent under Wine must make ≥ 90 % of its 3 s cycles,
// which a busy neighbour breaks: 15 of 20 beside this phase), store-contract (two processes race on
// one SQLite file with the collector's 250 ms busy timeout: a neighbour's fsyncs made it "database is
// locked"), snmp-deadline (it times a poll's 1 s deadline to ±5 %: 0.92 s beside this phase) and load
// (it saturates the collector).
// A new integration suite runs in the second phase, one file at a time, unless it is listed here.
const standalone = ['bench-smoke', 'fleet-failover', 'package', 'cli', 'reliability-faults', 'backfill', 'snmp', 'notify-channels'];

// Started first, so the longest runs overlap everything else instead of ending the phase alone.
// (Without a results cache — a clean CI checkout — vitest would start the largest files first.)
const longestFirst = ['bench-smoke', 'fleet-failover'];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = longestFirst.findIndex((name) => f.moduleId.endsWith(`/test/integration/${name}.test.ts`));
      return i === -1 ? longestFirst.length : i;
    };
    // Vitest's order otherwise (projects in turn; in each, by cached duration or size) stays.
    const firstOfProject = new Map<string, number>();
    sorted.forEach((f, i) => firstOfProject.set(f.project.name, firstOfProject.get(f.project.name) ?? i));
    const key = (f: TestSpecification, i: number) => [firstOfProject.get(f.project.name)!, rank(f), i] as const;
    return sorted
      .map((f, i) => ({ f, k: key(f, i) }))
      .sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.k[2] - b.k[2])
      .map(({ f }) => f);
  }
}

export default defineConfig({
  test: {
    // Two phases (vitest runs a project with fileParallelism: false after all others): first the unit
    // tests and the standalone integration suites, three files at a time (2 cores, but much of it
    // waits on daemons and timers); then the other integration suites, one file at a time, with
    // nothing else running.
    maxWorkers: 3,
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // They share 2 cores with integration suites now: a test doing CPU-heavy work (scrypt logins,
          // promtool) may take several times its quiet-machine time. Deadlines a test checks are its own.
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration-standalone',
          include: standalone.map((name) => `test/integration/${name}.test.ts`),
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: standalone.map((name) => `test/integration/${name}.test.ts`),
          // One real Prometheus for every suite; suites take turns reconfiguring it.
          globalSetup: ['test/integration/fixtures/prometheus-global.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
