import { afterEach, describe, expect, it, vi } from 'vitest';
import { landingFrom, landingUrl, relayStateFor } from '../../backend/src/services/saml/landing.js';
import { takeViewerLink, ticketFromFragment } from '../../plugin/src/recording/link.js';

const RECORDING = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const ACCOUNT = '0b6c3f2e-1a2b-4c3d-8e4f-5a6b7c8d9e0f';
const TICKET = 'eyJhbGciOiJFZERTQSJ9.eyJ0IjoxfQ.c2lnbmF0dXJl';

/** Opens the viewer at `url` as the browser would, and records what the page leaves in the address bar. */
function openAt(url: string) {
  const { pathname, search, hash } = new URL(url, 'https://parley.example.eu');
  const replaced: string[] = [];
  vi.stubGlobal('window', { location: { pathname, search, hash } });
  vi.stubGlobal('history', { state: null, replaceState: (_state: unknown, _title: string, address: string) => replaced.push(address) });
  return { link: takeViewerLink(), replaced };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the recording viewer link', () => {
  it('plays a playback ticket from the fragment, and takes it out of the address bar', () => {
    const { link, replaced } = openAt(`/app/recording.html#ticket=${TICKET}`);
    expect(link).toEqual({ kind: 'ticket', ticket: TICKET });
    expect(replaced).toEqual(['/app/recording.html']);
  });

  it('knows the ticket note’s link, the Teams dialog’s, and the page back from single sign-on with its session', () => {
    const note = openAt(`/app/recording.html?account=${ACCOUNT}&recording=${RECORDING}`);
    expect(note.link).toEqual({ kind: 'recording', recordingId: RECORDING, inTeams: false, account: ACCOUNT, session: null });
    expect(openAt(`/teams/recording?recording=${RECORDING}`).link).toEqual({ kind: 'recording', recordingId: RECORDING, inTeams: true, account: null, session: null });
    const back = openAt(`/app/recording.html?recording=${RECORDING}#session=${TICKET}`);
    expect(back.link).toEqual({ kind: 'recording', recordingId: RECORDING, inTeams: false, account: null, session: TICKET });
    expect(back.replaced, 'the session leaves the address bar at once').toEqual([`/app/recording.html?recording=${RECORDING}`]);
    // An account id that is not one is ignored, not passed on to a sign-in address.
    expect(openAt(`/app/recording.html?account=..%2Fadmin&recording=${RECORDING}`).link).toMatchObject({ account: null });
  });

  it('refuses what cannot be a ticket or a recording, and says so rather than showing nothing', () => {
    expect(openAt('/app/recording.html#ticket=not a ticket').link).toEqual({ kind: 'invalid' });
    expect(openAt('/teams/recording?recording=../../api/admin').link).toEqual({ kind: 'invalid' });
    expect(openAt('/app/recording.html').link).toEqual({ kind: 'none' });
  });

  it('reads the ticket from the viewer URL a playback answer carries', () => {
    expect(ticketFromFragment(new URL(`https://parley.example.eu/app/recording.html#ticket=${TICKET}`).hash)).toBe(TICKET);
    expect(ticketFromFragment('#ticket=')).toBeNull();
    expect(ticketFromFragment('')).toBeNull();
  });
});

describe('where a single sign-on lands', () => {
  it('comes back to the recording the sign-in started from, and opens the console otherwise', () => {
    const back = landingFrom(relayStateFor({ kind: 'recording', recordingId: RECORDING }));
    expect(landingUrl(back, ACCOUNT, TICKET)).toBe(`/app/recording.html?account=${ACCOUNT}&recording=${RECORDING}#session=${TICKET}`);
    expect(landingUrl(landingFrom(relayStateFor({ kind: 'console' })), ACCOUNT, TICKET)).toBe(`/app/console.html#session=${TICKET}`);
  });

  it('goes nowhere else, whatever RelayState the identity provider sends back', () => {
    for (const relayState of [undefined, '', 'console', 'https://evil.example/', '//evil.example', `recording:${RECORDING}/../../admin`, 'recording:', `recording:${RECORDING}#x`]) {
      expect(landingFrom(relayState), relayState).toEqual({ kind: 'console' });
    }
  });
});
