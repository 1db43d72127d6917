"""Log one bench run folder to Weights & Biases.

    python tools/wandb/log_run.py RESULTS/RUN_ID --project NAME [--entity E] [--name N]

Reads config.json, metrics.json, stats.json, predictions.jsonl, outcomes.jsonl and charts/*.png (the files stay the
source of truth) and logs: the run config, every headline number as a summary value, the systems / perplexity /
selection tables, the per-task prediction table with perplexities, and the charts. WANDB_MODE=offline writes a run
for a later `wandb sync`. Exit status 0 on success; any failure is reported and exits 1 (bench turns it into a warning).
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys


def read_jsonl(path: pathlib.Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def summary_values(metrics: dict) -> dict[str, float]:
    """Flat `rule/system/field` numbers, e.g. `execution/ensemble:cross/rate`."""
    out: dict[str, float] = {}
    for name, value in (metrics.get("counts") or {}).items():
        out[f"counts/{name}"] = value
    for rule in metrics.get("rules", []):
        for system in rule["systems"]:
            prefix = f"{rule['rule']}/{system['name']}"
            out[f"{prefix}/rate"] = system["rate"]
            out[f"{prefix}/correct"] = system["correct"]
            for k, v in system.get("passAtK", {}).items():
                out[f"{prefix}/{k}"] = v
            if system.get("efficiency") is not None:
                out[f"{prefix}/efficiency"] = system["efficiency"]
            for backend, share in (system.get("selectionRate") or {}).items():
                out[f"{prefix}/selection_rate/{backend}"] = share
    return out


def system_rows(metrics: dict) -> list[list]:
    return [
        [rule["rule"], s["name"], s["kind"], s["correct"], s["tasks"], s["rate"], s.get("efficiency"),
         json.dumps(s.get("selectionRate") or {})]
        for rule in metrics.get("rules", [])
        for s in rule["systems"]
    ]


def perplexity_rows(metrics: dict) -> list[list]:
    return [
        [rule["rule"], p["generator"], p["scorer"], p["count"], p["mean"], p["median"], p["auroc"], p["pointBiserial"]]
        for rule in metrics.get("rules", [])
        for p in rule["perplexity"]
    ]


def prediction_rows(predictions: list[dict], outcomes: list[dict]) -> list[list]:
    judged = {task["taskId"]: task for task in outcomes}
    rows = []
    for record in predictions:
        task = judged.get(record["task_id"], {})
        for i, candidate in enumerate(record.get("candidates", [])):
            verdict = (task.get("candidates") or [{}] * (i + 1))[i].get("correct", {}) if task else {}
            rows.append([
                record["task_id"], candidate["backend"], candidate["completion"], record.get("winner") == candidate["backend"],
                json.dumps(verdict), json.dumps({f"{s['scorer']}/{s['mode']}": s["perplexity"] for s in candidate["scores"]}),
            ])
    return rows


def log_run(run_dir: pathlib.Path, project: str, entity: str | None, name: str | None, wandb) -> None:
    config = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    stats_file = run_dir / "stats.json"
    stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
    run = wandb.init(project=project, entity=entity, name=name or config.get("runId") or run_dir.name,
                     config=config, job_type="evaluation")
    try:
        run.summary.update(summary_values(metrics))
        if stats.get("tasksPerSecond") is not None:
            run.summary["stats/tasks_per_second"] = stats["tasksPerSecond"]
        run.log({
            "systems": wandb.Table(columns=["rule", "system", "kind", "correct", "tasks", "rate", "efficiency",
                                            "selection_rate"], data=system_rows(metrics)),
            "perplexity": wandb.Table(columns=["rule", "generator", "scorer", "count", "mean", "median", "auroc",
                                               "point_biserial"], data=perplexity_rows(metrics)),
            "predictions": wandb.Table(columns=["task_id", "backend", "completion", "selected", "correct",
                                                "perplexities"],
                                       data=prediction_rows(read_jsonl(run_dir / "predictions.jsonl"),
                                                            read_jsonl(run_dir / "outcomes.jsonl"))),
            **{f"charts/{png.stem}": wandb.Image(str(png)) for png in sorted((run_dir / "charts").glob("*.png"))},
        })
    finally:
        run.finish()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=pathlib.Path)
    parser.add_argument("--project", required=True)
    parser.add_argument("--entity")
    parser.add_argument("--name")
    args = parser.parse_args(argv)
    try:
        import wandb  # noqa: PLC0415 — optional dependency, imported only when logging
    except ImportError as error:
        print(f"wandb is not installed for {sys.executable} ({error}); run tools/wandb/setup-venv.sh", file=sys.stderr)
        return 1
    try:
        log_run(args.run_dir, args.project, args.entity, args.name, wandb)
    except Exception as error:  # noqa: BLE001 — any logging failure is reported, never raised into the run
        print(f"W&B logging failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
