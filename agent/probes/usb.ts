// usb: the devices a workstation is expected to have (a receipt printer, an ID-card reader, a
// signature pad) are attached, and how often USB devices come and go (a loose cable shows as
// insert/remove churn). Linux reads sysfs, and also re-reads at once when a device node appears or
// disappears under /dev/bus/usb (inotify), so a quick replug between two slow-interval reads still
// counts. Windows asks Plug and Play through PowerShell on the interval. The insert/remove counters
// live in the state directory so an agent restart loses no event, and a device unplugged while the
// agent was stopped is still counted at the next read.
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { readJsonFile, writeFileAtomic } from '../../common/atomic-file.js';
import { m } from '../../protocol/metrics.js';
import { deadline } from '../exec/deadline.js';
import { describeError } from '../runner.js';
import type { Logger } from '../../common/logger.js';
import { platformPart, type PlatformFiles } from './platform.js';
import type { ProbeDefinition, ProbeInstance, ProbeSetup, Reading } from './probe.js';
import { advance, parseUsbState, usbReadings, type UsbDevice, type UsbState } from './usb-logic.js';

/** What each platform's file provides: the attached devices, and where it can, plug events as they happen. */
export interface UsbPart {
  /** The devices, or why they cannot be read (unavailable: never "every device was unplugged"). */
  list(ctx: UsbContext, signal: AbortSignal): Promise<UsbDevice[] | string>;
  /** Calls `onChange` when a device comes or goes; returns how to stop watching. */
  watchPlugs?(ctx: UsbContext, onChange: () => void): Promise<() => void>;
}

export interface UsbContext {
  settings: UsbSettings;
  sysRoot: string;
  log: Logger;
}

const files: PlatformFiles<UsbPart> = {
  linux: () => import('./usb.linux.js').then((f) => f.usb),
  win32: () => import('./usb.win32.js').then((f) => f.usb),
};

export const STATE_FILE = 'usb.json';
/** Plugging in a device creates its node and then its sysfs files over a few hundred ms: read after the burst. */
const SETTLE_MS = 500;
const HEX4 = '^[0-9A-Fa-f]{4}$';

export const usbSettings = Type.Object(
  {
    expected: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f]+$', description: 'what staff call it: "receipt printer"' }),
          vendorId: Type.String({ pattern: HEX4, description: 'USB vendor ID, 4 hex digits (lsusb, Device Manager → Hardware Ids)' }),
          productId: Type.Optional(Type.String({ pattern: HEX4, description: 'USB product ID; any product of the vendor when left out' })),
        },
        { additionalProperties: false },
      ),
      { maxItems: 32, default: [] },
    ),
    maxSeries: Type.Integer({ minimum: 1, maximum: 256, default: 64, description: 'distinct vendor/product/name series reported at most' }),
    watchDir: Type.String({ minLength: 1, default: '/dev/bus/usb', description: 'Linux: USB device nodes; a change there triggers an immediate re-read' }),
    windowsConsoleEncoding: Type.Union(['gbk', 'gb18030', 'big5', 'shift_jis', 'euc-kr', 'windows-1252', 'ibm866'].map((e) => Type.Literal(e)), { default: 'gbk' }),
  },
  { additionalProperties: false },
);
export type UsbSettings = Static<typeof usbSettings>;

export function createUsb(setup: ProbeSetup): ProbeInstance {
  const s = setup.settings as UsbSettings;
  const expected = s.expected ?? [];
  const names = expected.map((e) => e.name);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated) throw new Error(`probes.usb.settings.expected: the name "${repeated}" is used twice`);
  const file = join(setup.stateDir, STATE_FILE);
  let state: UsbState | undefined;

  async function load(): Promise<UsbState> {
    try {
      const raw = await readJsonFile(file);
      if (raw === undefined) return { insertions: 0, removals: 0 };
      const parsed = parseUsbState(raw);
      if (typeof parsed === 'string') throw new Error(`unexpected content: ${parsed}`);
      return parsed;
    } catch (err) {
      // Counters restart from 0 (Prometheus' increase() treats that as a reset, not as negative events).
      setup.log.warn({ path: file, err: describeError(err) }, 'USB state unreadable, starting fresh');
      return { insertions: 0, removals: 0 };
    }
  }

  const part = platformPart(files, setup.platform);
  const ctx: UsbContext = { settings: s, sysRoot: setup.sysRoot, log: setup.log };
  async function readDevices(signal: AbortSignal): Promise<UsbDevice[] | string> {
    const p = await part();
    return p ? p.list(ctx, signal) : `USB devices are not read on ${setup.platform}`;
  }

  /** Reads are serialised: the watcher and the runner must not both advance the same state. */
  let queue: Promise<unknown> = Promise.resolve();
  function read(signal: AbortSignal): Promise<UsbDevice[] | string> {
    const next = queue.then(async () => {
      state ??= await load();
      const devices = await readDevices(signal);
      if (typeof devices !== 'string') {
        const advanced = advance(state, devices);
        if (JSON.stringify(advanced) !== JSON.stringify(state)) await writeFileAtomic(file, `${JSON.stringify(advanced)}\n`);
        state = advanced;
      }
      return devices;
    });
    queue = next.catch(() => undefined);
    return next;
  }

  let unwatch: (() => void) | undefined;
  let settle: NodeJS.Timeout | undefined;
  let watchFailing = false;
  function onChange(): void {
    clearTimeout(settle);
    settle = setTimeout(() => {
      const limit = deadline(30_000, 'USB re-read');
      read(limit.signal).finally(() => limit.dispose()).then(
        () => void (watchFailing = false),
        (err: unknown) => {
          if (!watchFailing) setup.log.warn({ err: describeError(err) }, 'USB re-read after a plug event failed; the next scheduled read retries');
          watchFailing = true;
        },
      );
    }, SETTLE_MS);
  }

  return {
    async start() {
      unwatch = await (await part())?.watchPlugs?.(ctx, onChange);
    },
    async stop() {
      clearTimeout(settle);
      unwatch?.();
      await queue;
    },
    async collect(ctx): Promise<Reading[]> {
      const devices = await read(ctx.signal);
      return usbReadings(devices, expected, state ?? { insertions: 0, removals: 0 }, s.maxSeries ?? 64);
    },
  };
}

export const usbProbe: ProbeDefinition = {
  name: 'usb',
  interval: 'slow',
  metrics: [m.usbDevices, m.usbExpectedDevicePresent, m.usbInsertions, m.usbRemovals],
  settingsSchema: usbSettings,
  create: (setup) => createUsb(setup),
};
