// Antivirus state from what the products print or store: Microsoft Defender and the products
// registered with the Windows Security Center (through the JSON the Windows script prints), and
// ClamAV's signature database headers on Linux.

export interface ProductState {
  /** Label value: defender, clamav, or the Security Center's display name of a third-party product. */
  product: string;
  running?: boolean;
  realtime?: boolean;
  /** Epoch seconds. */
  signaturesUpdated?: number;
  /** The product's own "signatures up to date" flag, for products that tell no date. */
  signaturesCurrent?: boolean;
  lastQuickScan?: number;
  lastFullScan?: number;
}

export interface WindowsAntivirus {
  products: ProductState[];
  /** Why Get-MpComputerStatus failed, when it did (Defender absent or switched off by policy). */
  defenderError?: string;
}

interface DefenderJson {
  AMServiceEnabled?: unknown;
  AntivirusEnabled?: unknown;
  RealTimeProtectionEnabled?: unknown;
  AMRunningMode?: unknown;
  SignatureUpdated?: unknown;
  QuickScanEnd?: unknown;
  FullScanEnd?: unknown;
}

const epoch = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

/** Display names become label values: one line, no control characters, bounded. */
export function productLabel(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 64) || 'unnamed';
}

/**
 * Security Center's productState packs three bytes: product flags, scanner state (0x10 on, 0x11 on
 * but snoozed, 0x00 off, 0x01 expired) and signature state (0x00 up to date, 0x10 out of date).
 */
export function decodeProductState(state: number): { realtime: boolean; signaturesCurrent: boolean } {
  const scanner = (state >> 8) & 0xff;
  return { realtime: scanner === 0x10 || scanner === 0x11, signaturesCurrent: (state & 0xff) === 0x00 };
}

/**
 * The Windows script's JSON: `{ Defender: {...} | null, DefenderError: string | null, Products:
 * [{ displayName, productState }] }`. Defender in passive mode stands aside for another product, so
 * its real-time and running states are left out then rather than read as "protection off".
 */
export function parseWindowsAntivirus(text: string): WindowsAntivirus {
  let doc: { Defender?: DefenderJson | null; DefenderError?: unknown; Products?: unknown };
  try {
    doc = JSON.parse(text.trim()) as typeof doc;
  } catch (cause) {
    throw new Error('the antivirus query printed something that is not JSON', { cause });
  }
  const products: ProductState[] = [];
  const d = doc?.Defender;
  const registered = (Array.isArray(doc?.Products) ? doc.Products : doc?.Products ? [doc.Products] : []) as { displayName?: unknown; productState?: unknown }[];
  const thirdParty = registered.filter((p) => typeof p?.displayName === 'string' && !/defender/i.test(p.displayName));
  if (d && typeof d === 'object') {
    const passive = typeof d.AMRunningMode === 'string' && /passive/i.test(d.AMRunningMode) && thirdParty.length > 0;
    const service = bool(d.AMServiceEnabled);
    const engine = bool(d.AntivirusEnabled);
    const state: ProductState = { product: 'defender' };
    if (!passive && service !== undefined && engine !== undefined) state.running = service && engine;
    if (!passive && bool(d.RealTimeProtectionEnabled) !== undefined) state.realtime = d.RealTimeProtectionEnabled as boolean;
    const sig = epoch(d.SignatureUpdated);
    if (sig !== undefined) state.signaturesUpdated = sig;
    const quick = epoch(d.QuickScanEnd);
    if (quick !== undefined) state.lastQuickScan = quick;
    const full = epoch(d.FullScanEnd);
    if (full !== undefined) state.lastFullScan = full;
    products.push(state);
  }
  for (const p of d ? thirdParty : registered) {
    if (typeof p.displayName !== 'string' || typeof p.productState !== 'number') continue;
    products.push({ product: productLabel(p.displayName), ...decodeProductState(p.productState) });
  }
  const out: WindowsAntivirus = { products };
  if (typeof doc?.DefenderError === 'string' && doc.DefenderError.trim() !== '') out.defenderError = doc.DefenderError.trim().slice(0, 200);
  return out;
}

/**
 * The build time of a ClamAV database from its 512-byte header: `ClamAV-VDB:<build time>:<version>:
 * <signatures>:<level>:<md5>:<dsig>:<builder>:<build time in epoch seconds>`. The same header opens
 * .cvd and .cld files. Undefined when the bytes are not such a header.
 */
export function clamavBuildTime(header: Buffer): number | undefined {
  const text = header.subarray(0, 512).toString('latin1');
  if (!text.startsWith('ClamAV-VDB:')) return undefined;
  // The human-readable time itself contains colons (`16 Nov 2023 08:23 +0000`): count from the end.
  const fields = text.trimEnd().split(':');
  const stime = Number(fields[fields.length - 1]);
  return Number.isInteger(stime) && stime > 0 ? stime : undefined;
}
