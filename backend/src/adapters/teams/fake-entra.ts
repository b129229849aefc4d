import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { listenOnLoopback, replyJson } from '../http/fake-server-kit.js';

/**
 * Microsoft's token issuers on loopback, for tests: Entra ID's JWKS (what Teams tab SSO tokens are
 * signed with) and Bot Framework's OpenID metadata with its keys and their channel endorsements
 * (what the Bot Connector signs activities with). Keys are generated here; the fake signs tokens
 * with them in the same shape Microsoft issues, so verifiers run unchanged against it.
 */
export interface FakeMicrosoftIdentity {
  url: string;
  /** For ENTRA_JWKS_URL. */
  entraJwksUrl: string;
  /** For BOT_OPENID_METADATA_URL. */
  botOpenIdMetadataUrl: string;
  /** For BOT_EMULATOR_OPENID_METADATA_URL (Emulator and skill tokens; served the Entra keys). */
  emulatorOpenIdMetadataUrl: string;
  /** An Entra access token signed with one of the published Entra keys. */
  signEntraToken(claims: JWTPayload, options?: SignOptions): Promise<string>;
  /** A Bot Framework channel token signed with a published Bot Framework key. */
  signBotToken(claims: JWTPayload, options?: SignOptions): Promise<string>;
  /** Requests by path, to see that keys are fetched and cached. */
  hits(path: string): number;
  close(): Promise<void>;
}

export interface SignOptions {
  /** Sign with this private key instead (e.g. one that is not published). */
  key?: CryptoKey;
  kid?: string;
  /** Seconds from now; default 3600. */
  expiresIn?: number;
  issuedAt?: number;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: Record<string, unknown>;
}

async function signingKey(extra: Record<string, unknown> = {}): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, jwk: { kty: 'RSA', use: 'sig', kid, x5t: kid, n: jwk.n, e: jwk.e, ...extra } };
}

export async function startFakeMicrosoftIdentity(options: { botEndorsements?: string[] } = {}): Promise<FakeMicrosoftIdentity> {
  const entraKeys = [await signingKey(), await signingKey()];
  const botKeys = [await signingKey({ endorsements: options.botEndorsements ?? ['msteams', 'webchat', 'emulator'] })];
  const hits = new Map<string, number>();
  let url = '';

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (req.method !== 'GET') return replyJson(res, 405, { error: 'method_not_allowed' });
    switch (path) {
      case '/common/discovery/v2.0/keys':
        return replyJson(res, 200, { keys: entraKeys.map((k) => k.jwk) });
      case '/common/v2.0/.well-known/openid-configuration':
        return replyJson(res, 200, {
          issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
          jwks_uri: `${url}/common/discovery/v2.0/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
        });
      case '/v1/.well-known/openidconfiguration':
        return replyJson(res, 200, {
          issuer: 'https://api.botframework.com',
          authorization_endpoint: 'https://invalid.botframework.com',
          jwks_uri: `${url}/v1/.well-known/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['private_key_jwt'],
        });
      case '/v1/.well-known/keys':
        return replyJson(res, 200, { keys: botKeys.map((k) => k.jwk) });
      default:
        return replyJson(res, 404, { error: 'not_found' });
    }
  }

  const server = await listenOnLoopback(handle);
  url = server.url;

  const sign = (keys: SigningKey[]) => async (claims: JWTPayload, signOptions: SignOptions = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const key = keys[0]!;
    const kid = signOptions.kid ?? key.kid;
    return new SignJWT({ iat: signOptions.issuedAt ?? now, exp: now + (signOptions.expiresIn ?? 3600), nbf: Math.min(now, signOptions.issuedAt ?? now), ...claims })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid, x5t: kid })
      .sign(signOptions.key ?? key.privateKey);
  };

  return {
    url,
    entraJwksUrl: `${url}/common/discovery/v2.0/keys`,
    botOpenIdMetadataUrl: `${url}/v1/.well-known/openidconfiguration`,
    emulatorOpenIdMetadataUrl: `${url}/common/v2.0/.well-known/openid-configuration`,
    signEntraToken: sign(entraKeys),
    signBotToken: sign(botKeys),
    hits: (path) => hits.get(path) ?? 0,
    close: () => server.close(),
  };
}
