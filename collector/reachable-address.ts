// host:port at which a local client (or Prometheus beside the collector) reaches a listener bound to
// `host`: a wildcard bind is reached on loopback, an IPv6 address needs brackets.
export function reachableAddress(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `${reachable}:${port}`;
}
