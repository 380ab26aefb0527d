// Scanners on macOS: SANE where it is installed (scanners-sane.ts, shared with Linux).
export { saneScanners as scanners } from './scanners-sane.js';
