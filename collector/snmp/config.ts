// Network printers and other SNMP devices the collector polls itself. Each appears as its own device.
import { Type, type Static } from '@sinclair/typebox';
import { DeviceName, SiteName } from '../../protocol/report.js';

export const SnmpTargetSchema = Type.Object(
  {
    name: DeviceName,
    site: Type.Optional(SiteName),
    host: Type.String({ minLength: 1, maxLength: 253 }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 161 }),
    version: Type.Union([Type.Literal('2c'), Type.Literal('3')], { default: '2c' }),
    community: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    user: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 64 }),
          authProtocol: Type.Union(['md5', 'sha', 'sha256', 'sha512'].map((p) => Type.Literal(p)), { default: 'sha' }),
          authKey: Type.Optional(Type.String({ minLength: 8, maxLength: 256 })),
          privProtocol: Type.Union(['des', 'aes', 'aes256b', 'aes256r'].map((p) => Type.Literal(p)), { default: 'aes' }),
          privKey: Type.Optional(Type.String({ minLength: 8, maxLength: 256 })),
        },
        { additionalProperties: false },
      ),
    ),
    intervalSeconds: Type.Number({ minimum: 1, maximum: 3600, default: 60 }),
    /** Per request; a whole poll is cancelled after `timeoutSeconds × (retries + 1) × 4`, or `intervalSeconds` if sooner. */
    timeoutSeconds: Type.Number({ minimum: 0.1, maximum: 60, default: 3 }),
    retries: Type.Integer({ minimum: 0, maximum: 5, default: 1 }),
  },
  { additionalProperties: false },
);

export type SnmpTarget = Static<typeof SnmpTargetSchema> & {
  authProtocol?: never;
  user?: { name: string; authProtocol: 'md5' | 'sha' | 'sha256' | 'sha512'; authKey?: string; privProtocol: 'des' | 'aes' | 'aes256b' | 'aes256r'; privKey?: string };
};

/** Problems TypeBox cannot express: credentials that match the version, privacy needing auth. */
export function snmpTargetProblems(t: Record<string, unknown>, path: string): string[] {
  const problems: string[] = [];
  const version = t.version ?? '2c';
  if (version === '2c' && t.user !== undefined) problems.push(`${path}/user: SNMP v2c uses a community, not a user (set version: "3")`);
  if (version === '3') {
    const user = t.user as Record<string, unknown> | undefined;
    if (!user) problems.push(`${path}/user: SNMP v3 needs a user`);
    else if (user.privKey !== undefined && user.authKey === undefined) problems.push(`${path}/user/privKey: privacy (encryption) needs an authKey too`);
    if (t.community !== undefined) problems.push(`${path}/community: SNMP v3 uses a user, not a community`);
  }
  return problems;
}
