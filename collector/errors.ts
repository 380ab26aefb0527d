// One error catalog: every refusal the collector gives has a code, an HTTP status and a message.
export const errorCatalog = {
  unauthorized: { status: 401, message: 'missing or unknown device token' },
  wrong_device: { status: 403, message: 'this token belongs to another device' },
  invalid_json: { status: 400, message: 'the body is not valid JSON' },
  invalid_report: { status: 400, message: 'the report does not match the schema' },
  body_too_large: { status: 413, message: 'the body exceeds the collector\'s size limit' },
  unsupported_media_type: { status: 415, message: 'reports must be sent as application/json' },
  not_found: { status: 404, message: 'not found' },
  not_reporting: { status: 503, message: 'the device is not reporting' },
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
  if (err instanceof SyntaxError || err.statusCode === 400) return new ApiError('invalid_json', undefined, `the body is not valid JSON: ${err.message}`);
  return undefined;
}
