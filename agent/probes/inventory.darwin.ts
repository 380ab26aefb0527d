// The inventory on macOS: systeminformation (ioreg, system_profiler), loaded on first use.
import type { InventoryPart, InventorySource } from './inventory.js';
import { systemInformation } from './systeminformation.js';

export const siInventory: InventorySource = {
  system: async () => (await systemInformation()).system(),
  cpu: async () => (await systemInformation()).cpu(),
  osInfo: async () => (await systemInformation()).osInfo(),
  diskLayout: async () => (await systemInformation()).diskLayout(),
};

export const inventory: InventoryPart = { source: async () => siInventory };
