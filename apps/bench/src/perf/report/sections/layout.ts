import { median } from '../../stats';
import { Measurements, value, scalar } from '../measurements';
import type { PerfRaw } from '../types';

/** The weight-layout variants: weights inside model.onnx, and no prepacking (ORT_PREPACK_WEIGHTS=false). */
export function layoutMeasurements(raw: PerfRaw, { add, memory }: Measurements): void {
  const { serverAr } = raw;
  const serverDecode = value(raw.serverAr?.decodeMsPerToken);
  const floorDecode = value(raw.floorAr?.ar?.decodeMsPerToken);
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
}
