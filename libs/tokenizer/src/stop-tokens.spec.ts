import { StopTokenIds } from './stop-tokens';
import { fixtureManifest } from './testing/fixtures';

describe('StopTokenIds', () => {
  // tiny-ar manifest: eos 480, stop_ids [480, 482..488]; 481 (<|im_start|>) is not a stop.
  const stops = StopTokenIds.fromManifest(fixtureManifest('tiny-ar'));

  it('ends generation on eos and the FIM / file-separator tokens of the manifest', () => {
    for (const id of [480, 482, 483, 484, 485, 486, 487, 488])
      expect([id, stops.endsGeneration(id)]).toEqual([id, true]);
  });

  it('continues on ordinary and other added tokens', () => {
    for (const id of [0, 39, 479, 481, 489]) expect([id, stops.endsGeneration(id)]).toEqual([id, false]);
  });

  it('lists the ids sorted for GetModelInfo', () => {
    expect(stops.toArray()).toEqual([480, 482, 483, 484, 485, 486, 487, 488]);
  });

  it('always stops on eos, even when stop_ids leaves it out', () => {
    const ids = StopTokenIds.fromManifest({ stop_ids: [7], special_ids: { eos: 9, pad: 9, mask: null } });
    expect([ids.endsGeneration(9), ids.endsGeneration(7), ids.endsGeneration(8)]).toEqual([
      true,
      true,
      false,
    ]);
  });
});
