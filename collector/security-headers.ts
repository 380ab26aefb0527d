// The headers every answer carries (no sniffing, no framing, no referrer leaks; HSTS under TLS): set by
// the app's onSend hook, and by the routes that write their answer themselves (/metrics).
export function securityHeaders(tls: boolean): Readonly<Record<string, string>> {
  return {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    ...(tls ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}
