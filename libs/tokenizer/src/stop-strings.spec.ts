import { StopMatcher, StopStringStream } from './stop-strings';

/** Streams `text` cut at `cuts`; returns what was released, the match, and every release in order. */
function streamIn(stops: string[], text: string, cuts: number[]) {
  const s = new StopStringStream(new StopMatcher(stops));
  const bounds = [0, ...cuts, text.length];
  const releases: string[] = [];
  for (let i = 0; i + 1 < bounds.length && !s.stopped; i++)
    releases.push(s.push(text.slice(bounds[i], bounds[i + 1])).text);
  releases.push(s.finish());
  return { released: releases.join(''), stop: s.stopped, releases, stream: s };
}

describe('StopMatcher.find', () => {
  it('finds a stop string and the text before it', () => {
    expect(new StopMatcher(['\n\ndef']).find('    return x\n\ndef g():')).toEqual({
      stop: '\n\ndef',
      index: 12,
    });
    expect(new StopMatcher(['\n\ndef']).find('    return x\n')).toBeUndefined();
    expect(new StopMatcher([]).find('anything')).toBeUndefined();
  });

  it('picks the stop completed first, whatever the order of the list', () => {
    // "bc" is complete at "abc", before "abcd" (which starts earlier) could be.
    expect(new StopMatcher(['abcd', 'bc']).find('abcd')).toEqual({ stop: 'bc', index: 1 });
    expect(new StopMatcher(['bc', 'abcd']).find('abcd')).toEqual({ stop: 'bc', index: 1 });
    expect(new StopMatcher(['x', 'c']).find('abcx')).toEqual({ stop: 'c', index: 2 });
  });

  it('prefers the longer stop when two complete at the same character', () => {
    expect(new StopMatcher(['cd', 'bcd']).find('abcd')).toEqual({ stop: 'bcd', index: 1 });
  });

  it('looks only for matches ending after searchedUpTo, including ones that straddle it', () => {
    const m = new StopMatcher(['ab']);
    expect(m.find('xxab', 3)).toEqual({ stop: 'ab', index: 2 });
    expect(m.find('abxx', 4)).toBeUndefined();
  });

  it('rejects an empty stop string', () => {
    expect(() => new StopMatcher(['ok', ''])).toThrow('stop strings must not be empty');
  });
});

describe('StopMatcher.holdBack', () => {
  const m = new StopMatcher(['\n\ndef', '</code>']);

  it('holds back the longest tail that could still become a stop', () => {
    expect(m.holdBack('x = 1')).toBe(0);
    expect(m.holdBack('x = 1\n')).toBe(1);
    expect(m.holdBack('x = 1\n\nde')).toBe(4);
    expect(m.holdBack('x </cod')).toBe(5);
    expect(m.holdBack('<')).toBe(1);
  });

  it('never holds back a whole stop (that is a match, not a maybe)', () => {
    expect(new StopMatcher(['ab']).holdBack('xab')).toBe(0);
    expect(new StopMatcher(['aa']).holdBack('xaa')).toBe(1); // the last "a" may start another "aa"
  });
});

describe('StopStringStream', () => {
  it('releases text up to the stop and never the stop itself', () => {
    const { released, stop, releases } = streamIn(['\n\ndef'], 'return x\n\ndef g():\n', [7, 9, 10, 12]);
    expect(released).toBe('return x');
    expect(stop).toEqual({ stop: '\n\ndef', index: 8 });
    expect(releases).toEqual(['return ', 'x', '', '', '', '']); // 5 pushes, then finish()
  });

  it('releases a held-back false start when the next text rules the stop out', () => {
    const s = new StopStringStream(new StopMatcher(['\n\ndef']));
    expect(s.push('a\n')).toEqual({ text: 'a' });
    expect(s.push('\nd')).toEqual({ text: '' });
    expect(s.push('x')).toEqual({ text: '\n\ndx' });
    expect(s.stopped).toBeUndefined();
  });

  it('releases the held-back tail when generation ends another way', () => {
    const s = new StopStringStream(new StopMatcher(['\n\ndef']));
    expect(s.push('a\n\nde').text).toBe('a');
    expect(s.finish()).toBe('\n\nde');
    expect(s.released).toBe('a\n\nde');
  });

  it('ignores text after the stop', () => {
    const s = new StopStringStream(new StopMatcher(['END']));
    expect(s.push('okEND more')).toEqual({ text: 'ok', stop: { stop: 'END', index: 2 } });
    expect(s.push('even more')).toEqual({ text: '', stop: { stop: 'END', index: 2 } });
    expect(s.finish()).toBe('');
    expect(s.released).toBe('ok');
  });

  it('gives the same answer for every way of cutting the text into deltas', () => {
    const stops = ['\n\ndef', 'bcd', 'cd', '😀!'];
    for (const text of ['x\n\nde\n\ndef', 'abcd', 'a😀😀!z', 'no stop here\n\nde']) {
      const whole = new StopMatcher(stops).find(text);
      const expected = whole ? text.slice(0, whole.index) : text;
      const units = [...text].length; // cut only between code points, as the detokenizer does
      for (let mask = 0; mask < 2 ** Math.min(units - 1, 12); mask++) {
        const cuts: number[] = [];
        let offset = 0;
        [...text].forEach((ch, i) => {
          offset += ch.length;
          if (i < units - 1 && mask & (1 << i)) cuts.push(offset);
        });
        const { released, stop } = streamIn(stops, text, cuts);
        expect([text, cuts, released, stop]).toEqual([text, cuts, expected, whole]);
      }
    }
  });
});
