#!/usr/bin/env python3
"""Build the committed fixture model directories (called by make-fixtures.sh; one process = fast).

Each fixture: random checkpoint from fixtures/<name>.json + seed -> export -> reference/logits.json
(tiny-ar also reference/generation.json + reference/scores.json, see ensemble_export/ar_reference.py).
The same library calls as `cli.py random-checkpoint` and `cli.py export`.
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ensemble_export.model_dir import export_model_dir  # noqa: E402
from ensemble_export.random_checkpoint import make_random_checkpoint  # noqa: E402
from ensemble_export.reference import write_reference  # noqa: E402

# name, kind, seed. tiny-diffusion's seed was picked so masked positions predict ordinary tokens
# (not the unused embedding rows), which keeps denoising tests meaningful.
FIXTURES = [
    ("tiny-ar", "autoregressive", 1001),
    ("tiny-diffusion", "diffusion", 1007),
]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("out", type=Path, help="directory receiving tiny-ar/ and tiny-diffusion/")
    out = p.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fixtures-") as tmp:
        for name, kind, seed in FIXTURES:
            ckpt = make_random_checkpoint(HERE / "fixtures" / f"{name}.json", seed, Path(tmp) / f"ckpt-{name}")
            staged = Path(tmp) / "out" / name
            export_model_dir(ckpt, kind, staged, name=name)
            write_reference(ckpt, staged)
            shutil.rmtree(out / name, ignore_errors=True)  # replace as a whole: no stale files
            shutil.move(str(staged), str(out / name))
            print(f"built {name} ({kind}, seed {seed})")


if __name__ == "__main__":
    main()
