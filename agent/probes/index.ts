// The one list of probes. To add a probe: write agent/probes/<name>.ts exporting a ProbeDefinition
// (see probe.ts and README.md here), add it below, define its metrics in protocol/metrics.ts and its
// indicator entries in alerts/catalog/. Nothing else needs to know about it.
import type { ProbeDefinition } from './probe.js';
import { resourcesProbe } from './resources.js';
import { thermalProbe } from './thermal.js';
import { stabilityProbe } from './stability.js';
import { displaysProbe } from './displays.js';
import { inventoryProbe } from './inventory.js';
import { networkProbe } from './network.js';
import { printersProbe } from './printers.js';
import { scannersProbe } from './scanners.js';
import { usbProbe } from './usb.js';
import { backupProbe } from './backup.js';
import { firewallProbe } from './firewall.js';
import { antivirusProbe } from './antivirus.js';
import { loginsProbe } from './logins.js';
import { updatesProbe } from './updates.js';
import { storageProbe } from './storage.js';
import { clockProbe } from './clock.js';

export const probeDefinitions: readonly ProbeDefinition[] = [resourcesProbe, thermalProbe, stabilityProbe, displaysProbe, inventoryProbe, networkProbe, printersProbe, scannersProbe, usbProbe, backupProbe, firewallProbe, antivirusProbe, loginsProbe, updatesProbe, storageProbe, clockProbe];
