// A minimal IPP/1.1 client for asking CUPS about its queues. ipp-encoder does the binary encoding;
// the HTTP transport is our own because CUPS is normally reached through its local domain socket,
// and every request must stop when the probe's signal aborts (the `ipp` package can do neither, and
// prints to stdout on errors). Only plain HTTP: the local CUPS, or a print server on a trusted LAN.
import { request } from 'node:http';
import ipp, { type IppAttribute, type IppMessage } from 'ipp-encoder';

/** Where CUPS listens: a domain socket path, or host and port. */
export type CupsServer = { socketPath: string } | { host: string; port: number };

export const OP = { getJobs: 0x000a, getPrinterAttributes: 0x000b, cupsGetPrinters: 0x4002 } as const;
export const GROUP = { operation: 0x01, job: 0x02, printer: 0x04 } as const;
const TAG = { enum: 0x23, boolean: 0x22, integer: 0x21, name: 0x42, keyword: 0x44, uri: 0x45, charset: 0x47, language: 0x48 } as const;
/** IPP status codes below this are successes (RFC 8011 §4.1.6). */
const FIRST_ERROR = 0x0400;
export const STATUS_NOT_FOUND = 0x0406;
/** A status answer is a few kilobytes per printer; anything this large is not one. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** `/run/cups/cups.sock`, `localhost`, `localhost:631`, `[::1]:631`, `http://printserver:631`. */
export function parseCupsServer(text: string): CupsServer | string {
  const t = text.trim();
  if (t.startsWith('/')) return { socketPath: t };
  const m = /^(?:(?:http|ipp):\/\/)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(t);
  if (!m) return `"${text}" is neither a socket path nor host[:port]`;
  const port = m[2] === undefined ? 631 : Number(m[2]);
  if (port < 1 || port > 65535) return `port ${port} is out of range`;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export function describeServer(server: CupsServer): string {
  return 'socketPath' in server ? server.socketPath : `${server.host}:${server.port}`;
}

export interface OperationAttributes {
  printerUri: string;
  requestedAttributes: readonly string[];
  whichJobs?: 'not-completed' | 'completed';
}

export function encodeRequest(operationId: number, requestId: number, a: OperationAttributes): Buffer {
  const attributes: IppAttribute[] = [
    { tag: TAG.charset, name: 'attributes-charset', value: ['utf-8'] },
    { tag: TAG.language, name: 'attributes-natural-language', value: ['en'] },
    { tag: TAG.uri, name: 'printer-uri', value: [a.printerUri] },
    { tag: TAG.name, name: 'requesting-user-name', value: ['stationwatch'] },
    { tag: TAG.keyword, name: 'requested-attributes', value: [...a.requestedAttributes] },
  ];
  if (a.whichJobs) attributes.push({ tag: TAG.keyword, name: 'which-jobs', value: [a.whichJobs] });
  const message: IppMessage = { version: { major: 1, minor: 1 }, operationId, requestId, groups: [{ tag: GROUP.operation, attributes }] };
  return ipp.request.encode(message, Buffer.alloc(ipp.request.encodingLength(message)));
}

/** One group's attributes by name; each attribute keeps all its values. */
export type AttributeMap = Map<string, IppAttribute['value']>;

export interface IppResponse {
  statusCode: number;
  groups: { tag: number; attributes: AttributeMap }[];
}

export function decodeResponse(body: Buffer): IppResponse {
  let message: IppMessage;
  try {
    message = ipp.response.decode(body);
  } catch (cause) {
    throw new Error(`malformed IPP response (${body.length} bytes)`, { cause });
  }
  return {
    statusCode: message.statusCode ?? -1,
    groups: message.groups.map((g) => ({ tag: g.tag, attributes: new Map(g.attributes.map((a) => [a.name, a.value])) })),
  };
}

export class IppStatusError extends Error {
  constructor(readonly statusCode: number) {
    super(`IPP status 0x${statusCode.toString(16).padStart(4, '0')}`);
  }
}

/** POSTs one IPP request to `path` ("/", "/printers/x"); rejects on HTTP or IPP errors, or on abort. */
export function ippRequest(server: CupsServer, path: string, body: Buffer, signal: AbortSignal): Promise<IppResponse> {
  return new Promise((resolve, reject) => {
    const target = 'socketPath' in server ? { socketPath: server.socketPath } : { host: server.host, port: server.port };
    // CUPS checks the Host header against its own names; "localhost" is what its own tools send on the socket.
    const host = 'socketPath' in server ? 'localhost' : server.host.includes(':') ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
    const req = request({ ...target, path, method: 'POST', signal, headers: { 'Content-Type': 'application/ipp', 'Content-Length': body.length, Host: host } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) req.destroy(new Error(`IPP response larger than ${MAX_RESPONSE_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode} from ${describeServer(server)}${path}`));
        try {
          const decoded = decodeResponse(Buffer.concat(chunks));
          if (decoded.statusCode >= FIRST_ERROR) reject(new IppStatusError(decoded.statusCode));
          else resolve(decoded);
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
