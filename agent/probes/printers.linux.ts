// Printers on Linux: the local CUPS over IPP (printers-cups.ts, shared with macOS).
export { cupsPrinters as printers } from './printers-cups.js';
