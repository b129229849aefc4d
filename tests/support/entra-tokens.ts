import type { JWTPayload } from 'jose';

/** The Teams web client's own app id, as Entra names it in `azp` of the tokens it asks for. */
const TEAMS_WEB_CLIENT = '5e3ce6c0-2b1f-4285-8d4b-75ee78787346';

/**
 * The claims of a v2 Entra ID access token for Parley's API, as Teams hands it to the tab on
 * getAuthToken; sign them with the fake Entra (`signEntraToken`).
 */
export function entraV2Claims(oid: string, options: { tenantId: string; clientId: string; name?: string }): JWTPayload {
  const name = options.name ?? 'Dana Agent';
  return {
    ver: '2.0',
    iss: `https://login.microsoftonline.com/${options.tenantId}/v2.0`,
    aud: options.clientId,
    tid: options.tenantId,
    oid,
    scp: 'access_as_user',
    azp: TEAMS_WEB_CLIENT,
    name,
    preferred_username: `${name.split(' ')[0]!.toLowerCase()}.${oid.slice(0, 8)}@contoso.example`,
    sub: `subject-${oid}`,
  };
}
