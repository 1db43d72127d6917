#!/usr/bin/env python3
"""Memory read bandwidth of this machine: read a large float32 array (far bigger than any cache) with T threads.

Two readers, the best pass of either is reported: numpy `max` over 1/T of the array in each of T Python threads
(numpy releases the GIL in reductions; `max` is SIMD-vectorised, unlike float32 `sum`, which is compute-bound
here), and torch's multi-threaded `sum` when torch is installed. Prints one JSON object. Used by `bench perf` as
the bandwidth floor of batch-1 decoding (every fp32 weight is read once per token).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time

import numpy as np


def _numpy_max(data: np.ndarray, threads: int):
    chunks = np.array_split(data, threads)
    sink = [0.0] * threads

    def read(i: int) -> None:
        sink[i] = float(chunks[i].max())

    def one_pass() -> None:
        workers = [threading.Thread(target=read, args=(i,)) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        if max(sink) != 1.0:
            raise SystemExit("bandwidth: the reads returned a wrong value")

    return one_pass


def _torch_sum(data: np.ndarray, threads: int):
    import torch

    torch.set_num_threads(threads)
    tensor = torch.from_numpy(data)
    expected = float(data.size)

    def one_pass() -> None:
        # float32 partial sums round; the check only proves the array was read
        if not 0.99 * expected < float(tensor.sum()) < 1.01 * expected:
            raise SystemExit("bandwidth: the reads returned a wrong value")

    return one_pass


def measure(size_bytes: int, threads: int, passes: int) -> dict:
    data = np.ones(size_bytes // 4, dtype=np.float32)  # written once: every page is resident before timing
    readers = {f"numpy max, {threads} threads": _numpy_max(data, threads)}
    try:
        readers[f"torch sum, {threads} threads"] = _torch_sum(data, threads)
    except ImportError:
        pass
    by_method = {}
    for name, one_pass in readers.items():
        one_pass()  # warm-up
        samples = []
        for _ in range(passes):
            t0 = time.perf_counter()
            one_pass()
            samples.append(data.nbytes / (time.perf_counter() - t0) / 1e9)
        by_method[name] = samples
    best_method = max(by_method, key=lambda name: max(by_method[name]))
    best = by_method[best_method]
    return {
        "gb_per_s": max(best),
        "median_gb_per_s": statistics.median(best),
        "samples_gb_per_s": best,
        "method": best_method,
        "by_method_best_gb_per_s": {name: max(s) for name, s in by_method.items()},
        "bytes": int(data.nbytes),
        "threads": threads,
        "passes": passes,
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--gb", type=float, default=1.0, help="array size in GB (default 1)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--passes", type=int, default=6)
    a = p.parse_args(argv)
    json.dump(measure(int(a.gb * 1e9), a.threads, a.passes), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
