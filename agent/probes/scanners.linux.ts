// Scanners on Linux: SANE (scanners-sane.ts, shared with macOS).
export { saneScanners as scanners } from './scanners-sane.js';
