import { median, spread } from '../stats';
import { targets } from './targets';
import type { Measurement, PerfRaw, Target, Value } from './types';

const mb = (bytes: number) => bytes / 1e9;

function value(
  samples: readonly number[] | undefined,
  map: (x: number) => number = (x) => x,
): Value | undefined {
  const mapped = (samples ?? []).map(map).filter((x) => Number.isFinite(x));
  if (mapped.length === 0) return undefined;
  return mapped.length > 1 ? { value: median(mapped), spread: spread(mapped) } : { value: mapped[0] };
}

const scalar = (x: number | undefined): Value | undefined =>
  x === undefined || !Number.isFinite(x) ? undefined : { value: x };

function ratios(m: Omit<Measurement, 'ratios'>): Record<string, number> {
  const out: Record<string, number> = {};
  if (m.ours && m.floor) out.oursVsFloor = m.ours.value / m.floor.value;
  if (m.ours && m.transformers) out.oursVsTransformers = m.ours.value / m.transformers.value;
  return out;
}

/** Turns raw numbers into the measurements (medians, spreads, ratios) and the targets. */
export function analyse(raw: PerfRaw): { measurements: Measurement[]; targets: Target[] } {
  const list: Measurement[] = [];
  const add = (m: Omit<Measurement, 'ratios'>, extra: Record<string, number | undefined> = {}) => {
    if (!m.ours && !m.floor && !m.transformers) return;
    const r = ratios(m);
    for (const [k, v] of Object.entries(extra)) if (v !== undefined && Number.isFinite(v)) r[k] = v;
    list.push({ ...m, ratios: r });
  };
  const { floorAr, serverAr, hfAr, floorDiffusion, serverDiffusion, hfDiffusion, ensemble } = raw;
  const fa = floorAr?.ar;
  const ha = hfAr?.ar;

  // ---- bandwidth
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

  // ---- diffusion
  const fd = floorDiffusion?.diffusion;
  const hd = hfDiffusion?.diffusion;
  add({
    id: 'diffusion.infill',
    label: `diffusion infill (p2, ${serverDiffusion?.forwards ?? hd?.infill_forwards ?? fd?.infillForwards} forwards, greedy)`,
    unit: 'ms',
    better: 'lower',
    ours: value(serverDiffusion?.infillMs),
    floor: value(fd?.infillMs),
    transformers: value(hd?.infill_ms),
  });
  add({
    id: 'diffusion.step',
    label: 'diffusion time per denoising step inside the infill (forward + sampling)',
    unit: 'ms',
    better: 'lower',
    ours: serverDiffusion?.stepMs.length
      ? { value: median(serverDiffusion.stepMs), spread: spread(serverDiffusion.stepMs) }
      : undefined,
    // Without its own infill loop (full runs skip it to save minutes) the floor's step is one restricted forward.
    floor: value(fd?.infillStepMs.length ? fd.infillStepMs : fd?.stepRestrictedMs),
    transformers: scalar(hd && median(hd.infill_ms) / hd.infill_forwards),
    note:
      'server: between streamed progress events; floor: its infill loop, or one forward on the sampled rows + ' +
      'argmax when the run skipped that loop; transformers: infill time / forwards (logits for every position)',
  });
  if (serverDiffusion?.afterLastStepMs.length && serverDiffusion.stepMs.length) {
    const tail = value(serverDiffusion.afterLastStepMs) as Value;
    add(
      {
        id: 'diffusion.after_last_step',
        label:
          'diffusion-server: last denoising step to the end of the infill (its one-shot self-score forward)',
        unit: 'ms',
        better: 'lower',
        ours: tail,
      },
      { vsStep: tail.value / median(serverDiffusion.stepMs) },
    );
  }
  if (fd) {
    const restricted = value(fd.stepRestrictedMs) as Value;
    const full = value(fd.stepFullMs) as Value;
    add(
      {
        id: 'diffusion.forward_restricted_rows',
        label: `diffusion forward (${fd.canvasTokens} tokens), vocabulary projection on the ${raw.counts.diffusionMiddle} sampled rows only (logits_rows)`,
        unit: 'ms',
        better: 'lower',
        floor: restricted,
        transformers: value(hd?.step_restricted_ms),
      },
      {},
    );
    add(
      {
        id: 'diffusion.forward_full_logits',
        label: `diffusion forward (${fd.canvasTokens} tokens), logits for every position`,
        unit: 'ms',
        better: 'lower',
        floor: full,
        transformers: value(hd?.step_full_ms),
      },
      {
        fullVsRestrictedFloor: full.value / restricted.value,
        fullVsRestrictedTransformers: hd
          ? median(hd.step_full_ms) / median(hd.step_restricted_ms)
          : undefined,
      },
    );
  }

  // ---- scoring
  const rate = (count: number | undefined, samples: number[] | undefined) =>
    count && samples?.length ? value(samples, (ms) => (count / ms) * 1000) : undefined;
  add({
    id: 'score.ar_fim',
    label: 'AR Score, fim mode (candidates/s)',
    unit: 'candidates/s',
    better: 'higher',
    ours: rate(raw.counts.arScoreCandidates, serverAr?.scoreMs),
    floor: rate(raw.counts.arScoreCandidates, fa?.scoreMs),
    transformers: rate(raw.counts.arScoreCandidates, ha?.score_ms),
    note: 'floor and transformers: one forward per candidate over prompt + candidate; server: prompt once, candidates batched on its cache',
  });
  add({
    id: 'score.diffusion_one_shot',
    label: 'diffusion Score, masked one-shot (candidates/s)',
    unit: 'candidates/s',
    better: 'higher',
    ours: rate(raw.counts.diffusionScoreCandidates, serverDiffusion?.scoreMs),
    floor: rate(raw.counts.diffusionScoreCandidates, fd?.scoreMs),
    transformers: rate(raw.counts.diffusionScoreCandidates, hd?.score_ms),
  });

  // ---- ensemble
  if (ensemble && ensemble.infillMs.length) {
    const slower = ensemble.arOwnMs.map((a, i) => Math.max(a, ensemble.diffusionOwnMs[i]));
    const sum = ensemble.arOwnMs.map((a, i) => a + ensemble.diffusionOwnMs[i]);
    const infill = value(ensemble.infillMs) as Value;
    add(
      {
        id: 'ensemble.infill',
        label: 'orchestrator Infill wall time',
        unit: 'ms',
        better: 'lower',
        ours: infill,
        note: ensemble.lostBackends.length
          ? `${ensemble.lostBackends.length} Infill(s) repeated: the orchestrator had marked a busy backend down`
          : undefined,
      },
      {
        vsSlowerBackendOwn: infill.value / median(slower),
        vsBothBackendsSerial: infill.value / median(sum),
      },
    );
    add({
      id: 'ensemble.ar_own',
      label: 'ar-server alone: Generate + fim + prefix_only Score',
      unit: 'ms',
      better: 'lower',
      ours: value(ensemble.arOwnMs),
    });
    add({
      id: 'ensemble.diffusion_own',
      label: 'diffusion-server alone: Generate + masked_one_shot Score',
      unit: 'ms',
      better: 'lower',
      ours: value(ensemble.diffusionOwnMs),
    });
    add({
      id: 'ensemble.orchestrator_overhead',
      label: 'Infill wall time minus the orchestrator-measured generate + score phases',
      unit: 'ms',
      better: 'lower',
      ours: value(
        ensemble.infillMs.map((ms, i) =>
          Math.max(ms - ensemble.generatePhaseMs[i] - ensemble.scorePhaseMs[i], 0.001),
        ),
      ),
    });
  }

  // ---- memory and load
  const memory = (
    id: string,
    label: string,
    bytes: number | undefined,
    weights: number,
    afterLoad?: number,
    anon?: number,
  ) =>
    bytes &&
    add(
      { id, label, unit: 'GB', better: 'lower', ours: { value: mb(bytes) } },
      {
        vsWeights: bytes / weights,
        afterLoadVsWeights: afterLoad ? afterLoad / weights : undefined,
        anonymousAtEndVsWeights: anon ? anon / weights : undefined,
      },
    );
  memory(
    'memory.ar_server_peak_rss',
    'ar-server peak RSS',
    serverAr?.peakRssBytes,
    raw.weightsBytes.ar,
    serverAr?.rssAtReadyBytes,
    serverAr?.rssAnonBytes,
  );
  memory(
    'memory.diffusion_server_peak_rss',
    'diffusion-server peak RSS',
    serverDiffusion?.peakRssBytes,
    raw.weightsBytes.diffusion,
    serverDiffusion?.rssAtReadyBytes,
    serverDiffusion?.rssAnonBytes,
  );
  memory(
    'memory.floor_ar_peak_rss',
    'floor process (AR) peak RSS',
    floorAr?.peakRssBytes,
    raw.weightsBytes.ar,
    floorAr?.rssAfterLoadBytes,
    floorAr?.rssAnonBytes,
  );
  memory(
    'memory.floor_diffusion_peak_rss',
    'floor process (diffusion) peak RSS',
    floorDiffusion?.peakRssBytes,
    raw.weightsBytes.diffusion,
    floorDiffusion?.rssAfterLoadBytes,
    floorDiffusion?.rssAnonBytes,
  );
  memory(
    'memory.transformers_peak_rss',
    'transformers process peak RSS (AR part)',
    hfAr?.peak_rss_bytes,
    raw.weightsBytes.ar,
  );
  add({
    id: 'load.ar',
    label:
      'AR model load (server: spawn to SERVING; floor: session + warm-up; transformers: from_pretrained)',
    unit: 'ms',
    better: 'lower',
    ours: scalar(serverAr?.startMs),
    floor: scalar(floorAr?.loadMs),
    transformers: scalar(hfAr?.load_ms),
    note: serverAr ? `the server's own load (directory, session, warm-up): ${serverAr.loadMs} ms` : undefined,
  });
  add({
    id: 'load.diffusion',
    label: 'diffusion model load (server: spawn to SERVING)',
    unit: 'ms',
    better: 'lower',
    ours: scalar(serverDiffusion?.startMs),
    floor: scalar(floorDiffusion?.loadMs),
    transformers: scalar(hfDiffusion?.load_ms),
  });

  // ---- the single-file weight layout
  const single = raw.floorArSingleFile?.ar;
  if (single && raw.weightsBytes.arSingleFile) {
    const s = raw.serverArSingleFile;
    const singleDecode = value(s?.decodeMsPerToken);
    const singleFloorDecode = value(single.decodeMsPerToken);
    add(
      {
        id: 'layout.single_file_decode_ms_per_token',
        label: 'AR decode per token, weights inside model.onnx (single file, prepacked)',
        unit: 'ms',
        better: 'lower',
        ours: singleDecode,
        floor: singleFloorDecode,
      },
      {
        oursVsExternalData:
          singleDecode && serverDecode ? singleDecode.value / serverDecode.value : undefined,
        floorVsExternalData:
          singleFloorDecode && floorDecode ? singleFloorDecode.value / floorDecode.value : undefined,
      },
    );
    add(
      {
        id: 'layout.single_file_ttft',
        label: 'AR time to first token, single-file layout',
        unit: 'ms',
        better: 'lower',
        ours: value(s?.ttftMs),
        floor: value(single.ttftMs),
      },
      {
        oursVsExternalData: s && serverAr ? median(s.ttftMs) / median(serverAr.ttftMs) : undefined,
      },
    );
    memory(
      'layout.single_file_server_peak_rss',
      'ar-server peak RSS, single-file layout',
      s?.peakRssBytes,
      raw.weightsBytes.arSingleFile,
      s?.rssAtReadyBytes,
      s?.rssAnonBytes,
    );
    memory(
      'layout.single_file_floor_peak_rss',
      'floor peak RSS, single-file layout',
      raw.floorArSingleFile?.peakRssBytes,
      raw.weightsBytes.arSingleFile,
      raw.floorArSingleFile?.rssAfterLoadBytes,
      raw.floorArSingleFile?.rssAnonBytes,
    );
    add({
      id: 'layout.single_file_load',
      label: 'AR model load, single-file layout',
      unit: 'ms',
      better: 'lower',
      ours: scalar(s?.startMs),
      floor: scalar(raw.floorArSingleFile?.loadMs),
    });
  }
  const noPrepack = raw.floorArNoPrepack;
  const serverNoPrepack = raw.serverArNoPrepack;
  if (noPrepack?.ar || serverNoPrepack) {
    const decode = value(serverNoPrepack?.decodeMsPerToken);
    const floorNoPrepackDecode = value(noPrepack?.ar?.decodeMsPerToken);
    add(
      {
        id: 'layout.no_prepack_decode_ms_per_token',
        label: 'AR decode per token without weight prepacking (ORT_PREPACK_WEIGHTS=false)',
        unit: 'ms',
        better: 'lower',
        ours: decode,
        floor: floorNoPrepackDecode,
      },
      {
        oursVsDefault: decode && serverDecode ? decode.value / serverDecode.value : undefined,
        floorVsDefault:
          floorNoPrepackDecode && floorDecode ? floorNoPrepackDecode.value / floorDecode.value : undefined,
      },
    );
    add(
      {
        id: 'layout.no_prepack_ttft',
        label: 'AR time to first token without weight prepacking',
        unit: 'ms',
        better: 'lower',
        ours: value(serverNoPrepack?.ttftMs),
        floor: value(noPrepack?.ar?.ttftMs),
      },
      {
        oursVsDefault:
          serverNoPrepack && serverAr ? median(serverNoPrepack.ttftMs) / median(serverAr.ttftMs) : undefined,
      },
    );
    memory(
      'layout.no_prepack_server_peak_rss',
      'ar-server peak RSS without weight prepacking',
      serverNoPrepack?.peakRssBytes,
      raw.weightsBytes.ar,
      serverNoPrepack?.rssAtReadyBytes,
      serverNoPrepack?.rssAnonBytes,
    );
    memory(
      'layout.no_prepack_floor_peak_rss',
      'floor peak RSS without weight prepacking',
      noPrepack?.peakRssBytes,
      raw.weightsBytes.ar,
      noPrepack?.rssAfterLoadBytes,
      noPrepack?.rssAnonBytes,
    );
    add({
      id: 'layout.no_prepack_load',
      label: 'AR model load without weight prepacking (server: spawn to SERVING; floor: session + warm-up)',
      unit: 'ms',
      better: 'lower',
      ours: scalar(serverNoPrepack?.startMs),
      floor: scalar(noPrepack?.loadMs),
    });
  }

  return { measurements: list, targets: targets(list) };
}
