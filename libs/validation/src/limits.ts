/** Per-server ceilings (configured; reported by GetModelInfo) that requests are validated against. */
export interface RequestLimits {
  maxNewTokens: number;
  maxSamples: number;
  maxSteps: number;
  maxStopSequences: number;
  maxStopLength: number;
  maxCandidates: number;
  /** Prefix and suffix length in characters (the token ceiling is checked after tokenisation). */
  maxInputChars: number;
}

export const DEFAULT_LIMITS: RequestLimits = {
  maxNewTokens: 2048,
  maxSamples: 16,
  maxSteps: 1024,
  maxStopSequences: 16,
  maxStopLength: 256,
  maxCandidates: 64,
  maxInputChars: 1_000_000,
};
