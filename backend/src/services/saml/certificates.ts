import { X509Certificate } from 'node:crypto';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)\r?\n?-----END \1-----/g;

export type CertificateProblem = 'private_key' | 'not_pem' | 'not_a_certificate' | 'too_many';

/** At most this many signing certificates at once: the current one and the next, during a rollover, plus slack. */
const MAX_CERTIFICATES = 4;

/**
 * Reads the identity provider's signing certificate(s) from PEM text. Every block must be an X.509
 * certificate that parses; a pasted private key is refused outright rather than stored. Returns the
 * certificates re-encoded as canonical PEM, which is what the signature check is given.
 */
export function parseCertificates(pem: string): { ok: true; certificates: X509Certificate[]; pem: string } | { ok: false; problem: CertificateProblem } {
  if (/PRIVATE KEY-----/.test(pem)) return { ok: false, problem: 'private_key' };
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) return { ok: false, problem: 'not_pem' };
  if (blocks.length > MAX_CERTIFICATES) return { ok: false, problem: 'too_many' };
  const certificates: X509Certificate[] = [];
  for (const block of blocks) {
    if (block[1] !== 'CERTIFICATE') return { ok: false, problem: 'not_a_certificate' };
    try {
      certificates.push(new X509Certificate(block[0]));
    } catch {
      return { ok: false, problem: 'not_a_certificate' };
    }
  }
  return { ok: true, certificates, pem: certificates.map((c) => c.toString().trim()).join('\n') };
}

export const certificateProblemMessages: Record<CertificateProblem, string> = {
  private_key: 'This is a private key. Paste the identity provider’s signing certificate instead, and keep the key secret.',
  not_pem: 'Not a PEM certificate: expected text starting with -----BEGIN CERTIFICATE-----.',
  not_a_certificate: 'The PEM text is not a valid X.509 certificate.',
  too_many: `At most ${MAX_CERTIFICATES} certificates can be trusted at once.`,
};

/** The certificates of a stored configuration, one PEM string each, as node-saml expects them. */
export function splitCertificates(pem: string): string[] {
  return [...pem.matchAll(PEM_BLOCK)].filter((b) => b[1] === 'CERTIFICATE').map((b) => b[0]);
}
