// Displays on macOS: systeminformation's graphics (system_profiler), with no graphics controller at
// all read as "the OS gave no answer", not as "no screen plugged in".
import { systemInformation } from './systeminformation.js';
import type { DisplaysPart } from './displays.js';

export const displays: DisplaysPart = {
  async count(ctx) {
    const data = await (ctx.options.graphics ?? (async () => (await systemInformation()).graphics()))();
    if (data.controllers.length === 0 && data.displays.length === 0) return 'the OS reports no graphics controller';
    return data.displays.length;
  },
};
