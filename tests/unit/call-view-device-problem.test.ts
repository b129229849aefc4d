import { describe, expect, it } from 'vitest';
import { deviceProblem } from '../../plugin/src/call/device-problem.js';
import { translator } from '../../plugin/src/call/i18n/index.js';

describe('what the call view says when the camera or microphone cannot be used', () => {
  const failure = (name: string) => new DOMException('browser words', name);

  it('tells a blocked device from a busy one and a missing one by the browser error name', () => {
    expect(deviceProblem(failure('NotAllowedError'))).toBe('blocked');
    expect(deviceProblem(failure('SecurityError'))).toBe('blocked');
    expect(deviceProblem(failure('NotReadableError'))).toBe('busy');
    expect(deviceProblem(failure('NotFoundError'))).toBe('missing');
    expect(deviceProblem(failure('OverconstrainedError'))).toBe('missing');
    expect(deviceProblem(new Error('something else'))).toBeNull();
    expect(deviceProblem('a string')).toBeNull();
  });

  it('says what to do in every language, naming the page’s own Reconnect button', () => {
    for (const language of ['en', 'de', 'fr', 'nl', 'es'] as const) {
      const t = translator(language);
      for (const key of ['microphoneBlocked', 'microphoneBusy', 'microphoneMissing'] as const) expect(t(key), `${language} ${key}`).toContain(t('reconnect'));
    }
  });
});
