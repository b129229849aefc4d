import { afterEach, describe, expect, it, vi } from 'vitest';
import { takeViewerLink, ticketFromFragment } from '../../plugin/src/recording/link.js';

const RECORDING = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
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

  it('knows the ticket note’s link from the Teams dialog’s, which signs in with Teams first', () => {
    expect(openAt(`/app/recording.html?recording=${RECORDING}`).link).toEqual({ kind: 'recording', recordingId: RECORDING, inTeams: false });
    expect(openAt(`/teams/recording?recording=${RECORDING}`).link).toEqual({ kind: 'recording', recordingId: RECORDING, inTeams: true });
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
