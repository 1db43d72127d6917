import type { EnsembleResult } from '../ensemble-bench';
import type { FloorResult } from '../floor-worker';
import type { BandwidthResult, HfResult } from '../python-tools';
import type { ArServerResult, DiffusionServerResult } from '../server-bench';
import type { Spread } from '../stats';

/** Everything one `bench perf` run measured, before any arithmetic (perf.json keeps it as `raw`). */
export interface PerfRaw {
  bandwidth: Array<{ label: string; result: BandwidthResult }>;
  weightsBytes: { ar: number; diffusion: number; arSingleFile?: number };
  counts: {
    concurrency: number;
    arScoreCandidates: number;
    diffusionScoreCandidates: number;
    diffusionMiddle: number;
  };
  floorAr?: FloorResult;
  floorArSingleFile?: FloorResult;
  /** External data with session.disable_prepacking=1 (a what-if: the servers do not set it). */
  floorArNoPrepack?: FloorResult;
  /** The ar-server with ORT_PREPACK_WEIGHTS=false (the memory-saving option). */
  serverArNoPrepack?: ArServerResult;
  serverAr?: ArServerResult;
  serverArSingleFile?: ArServerResult;
  floorDiffusion?: FloorResult;
  serverDiffusion?: DiffusionServerResult;
  ensemble?: EnsembleResult;
  hfAr?: HfResult;
  hfDiffusion?: HfResult;
}

export interface Value {
  value: number;
  /** Over repetitions (or steps), when there were several. */
  spread?: Spread;
}

export type Unit = 'ms' | 'tokens/s' | 'candidates/s' | 'GB/s' | 'GB' | 'x';

export interface Measurement {
  id: string;
  label: string;
  unit: Unit;
  better: 'lower' | 'higher';
  /** Our gRPC server (or the stack), the minimal onnxruntime loop, transformers. */
  ours?: Value;
  floor?: Value;
  transformers?: Value;
  /** ours / floor and ours / transformers (so > 1 means slower for times, faster for rates). */
  ratios: Record<string, number>;
  note?: string;
}

export interface Target {
  id: string;
  description: string;
  measured: number;
  comparison: '<=' | '>=';
  threshold: number;
  met: boolean;
}
