import { Measurements, scalar } from '../measurements';
import type { PerfRaw } from '../types';

/** Peak and after-load memory of every process against the weights, and model load times. */
export function memoryMeasurements(raw: PerfRaw, { add, memory }: Measurements): void {
  const { floorAr, serverAr, hfAr, floorDiffusion, serverDiffusion, hfDiffusion } = raw;
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
}
