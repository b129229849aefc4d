import { DomainError } from '../../errors.js';

/** The account has no enabled SAML identity provider (or does not exist: the same answer, so ids cannot be probed). */
export class SamlNotConfiguredError extends DomainError {
  readonly status = 403;
  override readonly name = 'SamlNotConfiguredError';
  constructor() {
    super('SAML_NOT_CONFIGURED', 'Single sign-on is not set up for this account. Ask your Parley administrator.');
  }
}

/** Why a SAML response was not accepted; logged as a code, shown as a sentence. */
export type SamlRejection =
  | 'malformed'
  | 'signature'
  | 'issuer'
  | 'audience'
  | 'recipient'
  | 'expired'
  | 'request'
  | 'replayed'
  | 'idp_refused'
  | 'name_id'
  | 'browser';

const messages: Record<SamlRejection, string> = {
  malformed: 'The sign-in response from your identity provider could not be read.',
  signature: 'The sign-in response is not signed by this account’s identity provider.',
  issuer: 'The sign-in response comes from a different identity provider than the one set up for this account.',
  audience: 'The sign-in response was issued for another service, not this Parley account.',
  recipient: 'The sign-in response was addressed to another sign-in address.',
  expired: 'The sign-in response has expired or is not valid yet. Sign in again.',
  request: 'The sign-in response does not answer a sign-in started here, or that sign-in was already finished. Sign in again.',
  replayed: 'This sign-in response has already been used. Sign in again.',
  idp_refused: 'Your identity provider did not sign you in.',
  name_id: 'Your identity provider did not send an email address as your user name.',
  browser: 'This sign-in was not started in this browser. Sign in again from your Parley sign-in link.',
};

/** A SAML response Parley does not trust: nothing is signed in. */
export class SamlRejectedError extends DomainError {
  readonly status = 401;
  override readonly name = 'SamlRejectedError';
  constructor(readonly reason: SamlRejection) {
    super('SAML_REJECTED', messages[reason]);
  }
}

/** A verified person Parley does not let in: unknown here, or deactivated. Nothing is created. */
export class SamlUserRefusedError extends DomainError {
  readonly status = 403;
  override readonly name = 'SamlUserRefusedError';
  constructor(readonly reason: 'unknown_user' | 'inactive_user') {
    super(
      reason === 'unknown_user' ? 'SAML_UNKNOWN_USER' : 'SAML_USER_INACTIVE',
      reason === 'unknown_user'
        ? 'You signed in at your identity provider, but there is no Parley user with that name in this account. Ask your administrator to give you access.'
        : 'Your Parley user in this account is deactivated. Ask your administrator.',
    );
  }
}
