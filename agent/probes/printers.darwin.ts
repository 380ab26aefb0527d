// Printers on macOS: CUPS is its print system too (printers-cups.ts, shared with Linux).
export { cupsPrinters as printers } from './printers-cups.js';
