import { describe, expect, it } from 'vitest';
import { appendNew } from '../../plugin/src/console/use-paged.js';

describe('a console list shown page by page', () => {
  it('appends the next page after the rows shown, in its order', () => {
    expect(appendNew([{ id: 'a' }, { id: 'b' }], [{ id: 'c' }, { id: 'd' }]).map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps a row that changed after it was shown once, where it was, when a later page brings it again', () => {
    const shown = [{ id: 'open-1', state: 'received' }, { id: 'open-2', state: 'received' }];
    const next = [{ id: 'done-9', state: 'completed' }, { id: 'open-1', state: 'completed' }];
    expect(appendNew(shown, next)).toEqual([{ id: 'open-1', state: 'received' }, { id: 'open-2', state: 'received' }, { id: 'done-9', state: 'completed' }]);
  });
});
