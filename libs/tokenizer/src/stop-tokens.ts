import type { ModelManifest } from '@ensemble/inference';

/** Token ids that end generation: the manifest's stop_ids (eos, and for Qwen the FIM / file-separator tokens). */
export class StopTokenIds {
  private readonly ids: ReadonlySet<number>;

  constructor(ids: Iterable<number>) {
    this.ids = new Set(ids);
  }

  /** eos is included even if a manifest left it out of stop_ids: a model that emits it has finished. */
  static fromManifest(manifest: Pick<ModelManifest, 'stop_ids' | 'special_ids'>): StopTokenIds {
    return new StopTokenIds([...manifest.stop_ids, manifest.special_ids.eos]);
  }

  endsGeneration(id: number): boolean {
    return this.ids.has(id);
  }

  /** Sorted, for GetModelInfo.stop_token_ids. */
  toArray(): number[] {
    return [...this.ids].sort((a, b) => a - b);
  }
}
