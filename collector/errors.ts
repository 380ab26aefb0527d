// One error catalog: every refusal the collector gives has a code, an HTTP status and a message.
export const errorCatalog = {
  unauthorized: { status: 401, message: 'missing or unknown device token' },
  wrong_device: { status: 403, message: 'this token belongs to another device' },
  invalid_json: { status: 400, message: 'the body is not valid JSON' },
  invalid_report: { status: 400, message: 'the report does not match the schema' },
  body_too_large: { status: 413, message: 'the body exceeds the collector\'s size limit' },
  unsupported_media_type: { status: 415, message: 'reports must be sent as application/json' },
  unsupported_encoding: { status: 415, message: 'reports may be sent with Content-Encoding gzip or deflate, or none' },
  invalid_encoding: { status: 400, message: 'the body is not valid for its Content-Encoding' },
  not_found: { status: 404, message: 'not found' },
  not_reporting: { status: 503, message: 'the device is not reporting' },
  // status page, inspections, maintenance, exports
  login_required: { status: 401, message: 'log in first (POST /api/v1/sessions), or send a session token' },
  login_failed: { status: 401, message: 'wrong user name or password' },
  forbidden: { status: 403, message: 'this needs a technician account' },
  invalid_request: { status: 400, message: 'the request is not valid' },
  upstream_failed: { status: 502, message: 'a service the collector relies on did not answer' },
  csrf_failed: { status: 403, message: 'the form is missing its CSRF token or it has expired; reload the page and try again' },
  login_locked: { status: 429, message: 'too many login attempts; wait for the time in Retry-After' },
  admin_required: { status: 403, message: 'this needs an administrator account' },
  // reliability: limits, enrolment, persistence, scrape authentication
  rate_limited: { status: 429, message: 'too many reports from this device; retry later' },
  enrol_refused: { status: 403, message: 'unknown, used or expired enrolment code, or wrong site secret' },
  device_taken: { status: 409, message: 'a device with this name is already enrolled or configured; an administrator must revoke it first' },
  limit_reached: { status: 403, message: 'the collector already has its maximum number of devices' },
  store_unavailable: { status: 503, message: 'the collector could not save the report; retry later' },
  scrape_unauthorized: { status: 401, message: 'this endpoint needs the scrape credentials (bearer token or basic auth)' },
  // notifications (collector/notify/)
  notify_unauthorized: { status: 401, message: 'the notification receiver needs its bearer token (notifications.receiverToken)' },
  notify_unavailable: { status: 503, message: 'the collector could not queue the notification; retry later' },
} as const;

export type ErrorCode = keyof typeof errorCatalog;

export class ApiError extends Error {
  readonly status: number;
  constructor(readonly code: ErrorCode, readonly problems?: string[], detail?: string) {
    super(detail ?? errorCatalog[code].message);
    this.status = errorCatalog[code].status;
  }

  body(): { error: ErrorCode; message: string; problems?: string[] } {
    return this.problems ? { error: this.code, message: this.message, problems: this.problems } : { error: this.code, message: this.message };
  }
}

/** Maps fastify's own body-parsing errors onto the catalog. */
export function fromFastifyError(err: { code?: string; statusCode?: number; message: string }): ApiError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('body_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('invalid_json', undefined, `the body is not valid JSON: ${err.message}`);
  }
  // zlib's errors while inflating a gzip or deflate body (corrupt, truncated).
  if (err.code?.startsWith('Z_')) return new ApiError('invalid_encoding', undefined, `the body is not valid for its Content-Encoding: ${err.message}`);
  if (err instanceof SyntaxError || err.statusCode === 400) return new ApiError('invalid_json', undefined, `the body is not valid JSON: ${err.message}`);
  return undefined;
}
