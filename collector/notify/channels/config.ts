// How a channel is configured: one entry per robot, mailbox or webhook, discriminated by `type`.
// Secrets (a robot's webhook URL carries its access token; signing secrets; the SMTP password) can be
// written inline, named by an environment variable (`…Env`) or read from a file (`…File`, relative to
// the configuration file): a file only root reads or the service's environment keeps them out of a
// YAML that gets copied around. They are resolved when a message is sent, so a rotated file is used
// without a restart and a missing one is a failed send (with its reason), never a crash.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const ChannelName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'letters, digits, _ . -; at most 64' });
const EnvName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' });
const FileName = Type.String({ minLength: 1, maxLength: 4096 });
const HttpUrl = Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 4096 });
// At least 4 characters: redaction replaces a secret wherever it appears, and a shorter one would mangle every message.
const SecretText = Type.String({ minLength: 4, maxLength: 4096 });
/** IANA zone in which times are written (with their offset); default the collector's own zone. */
const TimeZone = Type.Optional(Type.String({ minLength: 1, maxLength: 64 }));
/** A word the robot's keyword rule (自定义关键词) requires: every message contains it. */
const Keyword = Type.Optional(Type.String({ minLength: 1, maxLength: 64 }));

const urlFields = { url: Type.Optional(HttpUrl), urlEnv: Type.Optional(EnvName), urlFile: Type.Optional(FileName) };
const secretFields = { secret: Type.Optional(SecretText), secretEnv: Type.Optional(EnvName), secretFile: Type.Optional(FileName) };

export const DingTalkChannelSchema = Type.Object(
  {
    name: ChannelName,
    type: Type.Literal('dingtalk'),
    /** The robot's webhook, https://oapi.dingtalk.com/robot/send?access_token=… (the token is a secret). */
    ...urlFields,
    /** 加签 secret (SEC…), when the robot's security setting is signing. */
    ...secretFields,
    keyword: Keyword,
    timeZone: TimeZone,
  },
  { additionalProperties: false },
);

export const FeishuChannelSchema = Type.Object(
  {
    name: ChannelName,
    type: Type.Literal('feishu'),
    /** https://open.feishu.cn/open-apis/bot/v2/hook/… (Lark: open.larksuite.com); the hook id is a secret. */
    ...urlFields,
    /** 签名校验 secret, when the bot's security setting is signing. */
    ...secretFields,
    keyword: Keyword,
    /** An interactive card (default) or a rich-text post. */
    format: Type.Union([Type.Literal('card'), Type.Literal('post')], { default: 'card' }),
    timeZone: TimeZone,
  },
  { additionalProperties: false },
);

export const WeComChannelSchema = Type.Object(
  {
    name: ChannelName,
    type: Type.Literal('wecom'),
    /** https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=… (the key is a secret). */
    ...urlFields,
    /**
     * markdown (default): formatted, @ by user id (`<@userid>`); text: plain, but the only format that
     * can @ by mobile number or @all (mentioned_mobile_list / mentioned_list), and 2048 bytes at most.
     */
    format: Type.Union([Type.Literal('markdown'), Type.Literal('text')], { default: 'markdown' }),
    timeZone: TimeZone,
  },
  { additionalProperties: false },
);

export const EmailChannelSchema = Type.Object(
  {
    name: ChannelName,
    type: Type.Literal('email'),
    host: Type.String({ minLength: 1, maxLength: 253 }),
    /** Default: 465 for `tls`, 587 otherwise. */
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    /** starttls (default): plain connection upgraded with STARTTLS, refused without it; tls: TLS from the first byte (port 465); none: no encryption (a relay on this host). */
    security: Type.Union([Type.Literal('starttls'), Type.Literal('tls'), Type.Literal('none')], { default: 'starttls' }),
    /** CA certificate(s) (PEM) that sign the server's certificate, for a private mail server; default the system's CAs. */
    caFile: Type.Optional(FileName),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    password: Type.Optional(SecretText),
    passwordEnv: Type.Optional(EnvName),
    passwordFile: Type.Optional(FileName),
    from: Type.String({ minLength: 3, maxLength: 320 }),
    to: Type.Array(Type.String({ minLength: 3, maxLength: 320 }), { minItems: 1, maxItems: 100 }),
    cc: Type.Optional(Type.Array(Type.String({ minLength: 3, maxLength: 320 }), { maxItems: 100 })),
    perMinute: Type.Integer({ minimum: 1, maximum: 10000, default: 30 }),
    timeZone: TimeZone,
  },
  { additionalProperties: false },
);

export const WebhookChannelSchema = Type.Object(
  {
    name: ChannelName,
    type: Type.Literal('webhook'),
    ...urlFields,
    /** When set, every request carries X-Stationwatch-Signature: sha256=HMAC(secret, timestamp + "." + body). */
    ...secretFields,
    /** Extra request headers (an Authorization the receiver wants, say). */
    headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }), Type.String({ maxLength: 4096 }))),
    perMinute: Type.Integer({ minimum: 1, maximum: 10000, default: 60 }),
    timeZone: TimeZone,
  },
  { additionalProperties: false },
);

export const ChannelConfigSchema = Type.Union([DingTalkChannelSchema, FeishuChannelSchema, WeComChannelSchema, EmailChannelSchema, WebhookChannelSchema]);

export type DingTalkChannelConfig = Static<typeof DingTalkChannelSchema>;
export type FeishuChannelConfig = Static<typeof FeishuChannelSchema>;
export type WeComChannelConfig = Static<typeof WeComChannelSchema>;
export type EmailChannelConfig = Static<typeof EmailChannelSchema>;
export type WebhookChannelConfig = Static<typeof WebhookChannelSchema>;
export type ChannelConfig = Static<typeof ChannelConfigSchema>;

const SCHEMAS: Record<string, TSchema> = {
  dingtalk: DingTalkChannelSchema,
  feishu: FeishuChannelSchema,
  wecom: WeComChannelSchema,
  email: EmailChannelSchema,
  webhook: WebhookChannelSchema,
};
export const CHANNEL_TYPES = Object.keys(SCHEMAS);

/** Where a platform's robot lives: a URL elsewhere is most often a URL copied from the wrong place. */
const URL_SHAPES: Record<string, { test: (u: URL) => boolean; expect: string }> = {
  dingtalk: { test: (u) => u.searchParams.has('access_token'), expect: 'https://oapi.dingtalk.com/robot/send?access_token=…' },
  feishu: { test: (u) => /\/open-apis\/bot\/v2\/hook\/[^/]+$/.test(u.pathname), expect: 'https://open.feishu.cn/open-apis/bot/v2/hook/…' },
  wecom: { test: (u) => u.searchParams.has('key'), expect: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…' },
  webhook: { test: () => true, expect: '' },
};

function oneOf(c: Record<string, unknown>, field: string, path: string, required: boolean): string[] {
  const given = [field, `${field}Env`, `${field}File`].filter((k) => c[k] !== undefined);
  if (given.length > 1) return [`${path}/${given[1]}: give only one of ${given.join(', ')}`];
  if (required && given.length === 0) return [`${path}/${field}: required (or ${field}Env naming an environment variable, or ${field}File naming a file)`];
  return [];
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}

/**
 * Problems TypeBox cannot express, and the schema's own problems for the entry's `type` (a union's
 * errors only say "Expected union value"; these name the key). Empty when the entry is usable.
 */
export function channelConfigProblems(config: unknown, path: string): string[] {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return [`${path}: a channel is a mapping with name and type`];
  const c = config as Record<string, unknown>;
  const schema = typeof c.type === 'string' ? SCHEMAS[c.type] : undefined;
  if (!schema) return [`${path}/type: ${c.type === undefined ? 'required' : `"${String(c.type)}" is not a channel type`}: one of ${CHANNEL_TYPES.join(', ')}`];
  const problems: string[] = [];
  for (const e of Value.Errors(schema, Value.Default(schema, Value.Clone(c)))) {
    problems.push(`${path}${e.path}: ${e.message}`);
    if (problems.length > 20) break;
  }
  if (typeof c.timeZone === 'string') {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: c.timeZone });
    } catch {
      problems.push(`${path}/timeZone: "${c.timeZone}" is not a time zone (an IANA name such as Asia/Shanghai)`);
    }
  }
  if (c.type === 'email') {
    problems.push(...oneOf(c, 'password', path, false));
    const hasPassword = c.password !== undefined || c.passwordEnv !== undefined || c.passwordFile !== undefined;
    if (hasPassword && c.user === undefined) problems.push(`${path}/user: a password needs the user it belongs to`);
    if (c.user !== undefined && !hasPassword) problems.push(`${path}/password: user "${String(c.user)}" needs a password (or passwordEnv / passwordFile)`);
    if (c.security === 'none' && hasPassword && typeof c.host === 'string' && !isLoopback(c.host)) {
      problems.push(`${path}/security: "none" would send the SMTP password unencrypted to ${c.host}; use starttls or tls`);
    }
    return problems;
  }
  problems.push(...oneOf(c, 'url', path, true));
  if (c.type !== 'wecom') problems.push(...oneOf(c, 'secret', path, false));
  if (typeof c.url === 'string') {
    const shape = URL_SHAPES[c.type as string]!;
    let url: URL | undefined;
    try {
      url = new URL(c.url);
    } catch {
      problems.push(`${path}/url: not a URL`);
    }
    if (url && !shape.test(url)) problems.push(`${path}/url: does not look like a ${String(c.type)} robot's webhook (${shape.expect})`);
  }
  return problems;
}

/** Every entry's problems, and names used twice (routes and records name a channel). */
export function channelListProblems(list: unknown, path: string): string[] {
  if (!Array.isArray(list)) return [`${path}: a list of channels`];
  const problems: string[] = [];
  const seen = new Map<unknown, number>();
  list.forEach((c, i) => {
    problems.push(...channelConfigProblems(c, `${path}/${i}`));
    const name = (c as Record<string, unknown> | null)?.name;
    if (name !== undefined && seen.has(name)) problems.push(`${path}/${i}/name: "${String(name)}" is already used by ${path}/${seen.get(name)}`);
    else seen.set(name, i);
  });
  return problems;
}

/** The entry with its type's defaults filled in (a union's defaults are not applied by Value.Default). Call after channelConfigProblems found none. */
export function channelWithDefaults(config: Record<string, unknown>): ChannelConfig {
  const schema = SCHEMAS[config.type as string];
  if (!schema) throw new Error(`"${String(config.type)}" is not a channel type`);
  return Value.Default(schema, Value.Clone(config)) as ChannelConfig;
}
