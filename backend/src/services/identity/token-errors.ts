import { errors } from 'jose';

/**
 * Why a host's token was refused, in words an agent or admin can act on. Never quotes the token
 * or its claims back: they name people.
 */
export function tokenRefusal(error: unknown): string {
  if (error instanceof errors.JWTExpired) return error.claim === 'iat' ? 'is too old' : 'has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `lacks the "${error.claim}" claim`;
    switch (error.claim) {
      case 'iss':
        return 'comes from another issuer';
      case 'aud':
        return 'is meant for another audience';
      case 'iat':
        return 'claims to be issued in the future';
      case 'nbf':
        return 'is not valid yet';
      default:
        return `has an invalid "${error.claim}" claim`;
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'is not signed with an accepted algorithm';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'has a signature that does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'is signed with an unknown key';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'is signed with an ambiguous key';
  if (error instanceof errors.JOSEError) return 'is malformed';
  return 'could not be verified';
}
