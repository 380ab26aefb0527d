// `stationwatch notify test CHANNEL`: sends a clearly marked test notification through one channel of
// the collector configuration's `notifications.channels` and prints the outcome — the platform's own
// answer, secrets removed. Exit 0 when delivered, 1 when refused or failed (and why).
import { dirname, resolve } from 'node:path';
import { ConfigError, readConfigFile } from '../common/config-file.js';
import { silentLogger } from '../common/logger.js';
import { channelListProblems, channelWithDefaults, createChannel, sendTestNotification } from '../collector/notify/channels/index.js';
import { COMMANDS, notifyTestCommand } from './commands.js';
import { consoleIo, groupHelp, parseCommand, usageError, type LineIo } from './usage.js';

export async function runNotify(args: string[], env: NodeJS.ProcessEnv, io: LineIo = consoleIo, nowMs: () => number = Date.now): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'test') return groupHelp(COMMANDS, 'notify', args, io);
  const parsed = parseCommand(notifyTestCommand, rest, io, COMMANDS);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return usageError(notifyTestCommand, 'name one channel', io, COMMANDS);
  const name = positionals[0]!;
  const file = values.config;
  const raw = (await readConfigFile(file)) as Record<string, unknown>;
  const list = (raw.notifications as Record<string, unknown> | undefined)?.channels;
  if (list === undefined) throw new ConfigError(file, ['/notifications/channels: no channels are configured']);
  const problems = channelListProblems(list, '/notifications/channels');
  if (problems.length > 0) throw new ConfigError(file, problems);
  const entries = list as Array<Record<string, unknown>>;
  const entry = entries.find((c) => c.name === name);
  if (!entry) {
    io.err(`${file}: no channel named "${name}" (configured: ${entries.map((c) => String(c.name)).join(', ') || 'none'})`);
    return 1;
  }
  const timeout = values['timeout-seconds'] === undefined ? 15 : Number(values['timeout-seconds']);
  if (!(timeout > 0 && timeout <= 300)) return usageError(notifyTestCommand, `--timeout-seconds must be a number of seconds up to 300, not "${values['timeout-seconds']}"`, io, COMMANDS);
  const channel = createChannel(channelWithDefaults(entry), { log: silentLogger, env, baseDir: dirname(resolve(file)), timeoutMs: timeout * 1000 });
  const outcome = await sendTestNotification(channel, nowMs());
  const label = `channel "${channel.name}" (${channel.type})`;
  if (outcome.ok) {
    io.out(`test notification delivered through ${label}${outcome.detail ? `: ${outcome.detail}` : ''}`);
    return 0;
  }
  io.err(`test notification through ${label} failed (${outcome.retryable ? 'temporary: the notifier would retry' : 'refused: fix the channel'}): ${outcome.detail}`);
  return 1;
}
