import { median } from '../../stats';
import { Measurements, mb, value, scalar } from '../measurements';
import type { PerfRaw, Value } from '../types';

/** Memory bandwidth and the autoregressive model: time to first token, decoding (greedy, sampled, vs the bandwidth floor), single-request and concurrent rates. */
export function arMeasurements(raw: PerfRaw, { add }: Measurements): void {
  const { serverAr } = raw;
  const fa = raw.floorAr?.ar;
  const ha = raw.hfAr?.ar;
  const bandwidths = raw.bandwidth.map((b) => b.result.gb_per_s);
  const bandwidth = (label: string) => raw.bandwidth.find((b) => b.label === label)?.result.gb_per_s;
  const around = (before: string, after: string) => {
    const values = [bandwidth(before), bandwidth(after)].filter((x): x is number => x !== undefined);
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
  };
  add({
    id: 'machine.bandwidth',
    label: 'memory read bandwidth (best pass of each sample, samples across the run)',
    unit: 'GB/s',
    better: 'higher',
    ours: value(bandwidths),
  });

  // ---- autoregressive
  add({
    id: 'ar.ttft',
    label: 'AR time to first token (Generate with max_new_tokens=1)',
    unit: 'ms',
    better: 'lower',
    ours: value(serverAr?.ttftMs),
    floor: value(fa?.ttftMs),
    transformers: value(ha?.ttft_ms),
  });
  const serverDecode = value(serverAr?.decodeMsPerToken);
  const floorDecode = value(fa?.decodeMsPerToken);
  const hfDecode = value(ha?.decode_ms_per_token);
  add({
    id: 'ar.decode_ms_per_token',
    label: 'AR decode time per token after the first, batch 1',
    unit: 'ms',
    better: 'lower',
    ours: serverDecode,
    floor: floorDecode,
    transformers: hfDecode,
    note:
      'server: its own decode timing per Generate (the per-request gRPC cost is in TTFT and the end-to-end rate); ' +
      'floor: the timed loop; transformers: a per-token clock inside generate()',
  });
  const perSecond = (v: Value | undefined) => v && value([v.value], (ms) => 1000 / ms);
  add({
    id: 'ar.decode_tokens_per_s',
    label: 'AR decode tokens/s, batch 1',
    unit: 'tokens/s',
    better: 'higher',
    ours: perSecond(serverDecode),
    floor: perSecond(floorDecode),
    transformers: perSecond(hfDecode),
  });
  const weightsGb = mb(raw.weightsBytes.ar);
  // Floor and server decode alternate between these two samples.
  const bwFloorAr = around('before ar decoding', 'after ar decoding');
  const bwServerAr = bwFloorAr;
  const bwMs = (gbPerS: number | undefined) => (gbPerS ? (weightsGb / gbPerS) * 1000 : undefined);
  add(
    {
      id: 'ar.decode_vs_bandwidth',
      label: `AR batch-1 decode / bandwidth floor (${(weightsGb * 1000).toFixed(0)} MB of weights read per token)`,
      unit: 'x',
      better: 'lower',
      ours: scalar(serverDecode && bwMs(bwServerAr) && serverDecode.value / (bwMs(bwServerAr) as number)),
      floor: scalar(floorDecode && bwMs(bwFloorAr) && floorDecode.value / (bwMs(bwFloorAr) as number)),
      note:
        `bandwidth floor ${bwMs(bwServerAr)?.toFixed(1)} ms/token at ${bwServerAr?.toFixed(1)} GB/s (mean of the ` +
        'samples taken just before and after the measurement)',
    },
    {},
  );
  if (serverAr?.sampledDecodeMsPerToken) {
    const sampled = value(serverAr.sampledDecodeMsPerToken);
    add(
      {
        id: 'ar.sampled_decode_ms_per_token',
        label: 'AR decode per token with temperature 0.6 / top-p 0.95 (random weights: flat distributions)',
        unit: 'ms',
        better: 'lower',
        ours: sampled,
      },
      { oursVsGreedy: sampled && serverDecode ? sampled.value / serverDecode.value : undefined },
    );
  }
  const singleRate = serverAr && (serverAr.generatedTokens / median(serverAr.generateMs)) * 1000;
  add({
    id: 'ar.single_request_tokens_per_s',
    label: 'AR single-request rate, end to end (tokens / Generate wall time, prefill included)',
    unit: 'tokens/s',
    better: 'higher',
    ours: scalar(singleRate),
    floor: scalar(fa && (fa.generatedTokens / median(fa.generateMs)) * 1000),
    transformers: scalar(ha && (ha.generated_tokens / median(ha.generate_ms)) * 1000),
  });
  if (serverAr?.concurrentMs && serverAr.concurrentTokens && serverAr.concurrentAllPrefilledMs) {
    const tokens = serverAr.concurrentTokens;
    const aggregate = (tokens / median(serverAr.concurrentMs)) * 1000;
    const hfAggregate = ha && (ha.concurrent_tokens / median(ha.concurrent_ms)) * 1000;
    add(
      {
        id: 'ar.concurrent_tokens_per_s',
        label: `AR aggregate tokens/s, ${raw.counts.concurrency} concurrent requests, end to end`,
        unit: 'tokens/s',
        better: 'higher',
        ours: scalar(aggregate),
        transformers: scalar(hfAggregate),
        note: 'transformers: one generate() call over the 8 left-padded prompts',
      },
      { oursVsSingleRequest: singleRate ? aggregate / singleRate : undefined },
    );
    const decodeWindows = serverAr.concurrentMs.map((ms, i) => ms - serverAr.concurrentAllPrefilledMs![i]);
    const batch = raw.counts.concurrency;
    // Every request's first token came with its prefill; the rest were decoded in the shared batch.
    const decodeRate = ((tokens - batch) / median(decodeWindows)) * 1000;
    const idealBatch = fa?.batchDecodeStepMs && (batch / median(fa.batchDecodeStepMs)) * 1000;
    add(
      {
        id: 'ar.concurrent_decode_tokens_per_s',
        label: 'AR aggregate decode tokens/s once every concurrent request is prefilled',
        unit: 'tokens/s',
        better: 'higher',
        ours: scalar(decodeRate),
        floor: scalar(idealBatch),
        note: 'floor: one batched decode forward over a zero past of the prompt length (shape-only ideal)',
      },
      { oursVsSingleRequestDecode: serverDecode ? decodeRate / (1000 / serverDecode.value) : undefined },
    );
  }
}
