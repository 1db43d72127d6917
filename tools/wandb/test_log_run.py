"""Unit tests of what log_run.py sends to W&B, with a recording stand-in for the wandb module.

The real client is not installable from this machine's offline wheelhouse (its OpenTelemetry dependencies are
missing), so these tests check our mapping of a run folder to W&B calls, not W&B itself.
"""
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import log_run  # noqa: E402


class Recorder:
    """Records init / log / summary / finish like a wandb Run."""

    def __init__(self):
        self.calls = []
        self.summary = {}
        self.logged = {}

    # module API
    def init(self, **kwargs):
        self.calls.append(("init", kwargs))
        return self

    def Table(self, columns, data):  # noqa: N802 — mirrors wandb.Table
        return {"columns": columns, "data": data}

    def Image(self, path):  # noqa: N802 — mirrors wandb.Image
        return {"image": path}

    # run API
    def log(self, values):
        self.logged.update(values)

    def finish(self):
        self.calls.append(("finish", {}))


def write_run(tmp: pathlib.Path) -> pathlib.Path:
    run = tmp / "run"
    (run / "charts").mkdir(parents=True)
    (run / "charts" / "selection-rate.png").write_bytes(b"\x89PNG")
    (run / "config.json").write_text(json.dumps({"runId": "r1", "dataset": "humaneval-single-line"}))
    system = lambda name, kind, correct: {  # noqa: E731
        "name": name, "kind": kind, "tasks": 2, "correct": correct, "rate": correct / 2, "passAtK": {"pass@1": correct / 2}}
    (run / "metrics.json").write_text(json.dumps({
        "counts": {"tasks": 2, "passed": 1},
        "rules": [{"rule": "execution", "bestSingle": "ar", "calibration": [],
                   "perplexity": [{"generator": "ar", "scorer": "ar/fim", "count": 2, "mean": 2.0, "median": 2.0,
                                   "auroc": 1.0, "pointBiserial": -1.0}],
                   "systems": [system("ar", "model", 1),
                               {**system("ensemble:cross", "strategy", 2), "efficiency": 1.0,
                                "selectionRate": {"ar": 0.5, "diffusion": 0.5}},
                               system("oracle", "oracle", 2)]}]}))
    candidate = lambda backend, text, ppl: {  # noqa: E731
        "backend": backend, "completion": text, "scores": [{"scorer": "ar", "mode": "fim", "perplexity": ppl}]}
    (run / "predictions.jsonl").write_text(json.dumps({
        "task_id": "T/0", "winner": "ar", "candidates": [candidate("ar", "x", 1.5), candidate("diffusion", "y", None)]}) + "\n")
    (run / "outcomes.jsonl").write_text(json.dumps({
        "taskId": "T/0", "candidates": [{"correct": {"execution": True}}, {"correct": {"execution": False}}]}) + "\n")
    return run


def test_logs_config_numbers_tables_and_charts(tmp_path):
    recorder = Recorder()
    log_run.log_run(write_run(tmp_path), "proj", None, None, recorder)
    init = recorder.calls[0]
    assert init[0] == "init" and init[1]["project"] == "proj" and init[1]["name"] == "r1"
    assert init[1]["config"]["dataset"] == "humaneval-single-line"
    assert recorder.summary["execution/ensemble:cross/rate"] == 1.0
    assert recorder.summary["execution/ensemble:cross/efficiency"] == 1.0
    assert recorder.summary["execution/ensemble:cross/selection_rate/ar"] == 0.5
    assert recorder.summary["counts/passed"] == 1
    assert recorder.logged["systems"]["data"][1][:4] == ["execution", "ensemble:cross", "strategy", 2]
    assert recorder.logged["perplexity"]["data"][0][6] == 1.0
    rows = recorder.logged["predictions"]["data"]
    assert [r[1] for r in rows] == ["ar", "diffusion"]
    assert rows[0][3] is True and json.loads(rows[0][4]) == {"execution": True}
    assert json.loads(rows[1][5]) == {"ar/fim": None}
    assert recorder.logged["charts/selection-rate"]["image"].endswith("selection-rate.png")
    assert recorder.calls[-1][0] == "finish"


def test_a_failure_is_reported_and_exits_1(tmp_path, capsys):
    assert log_run.main([str(tmp_path / "missing"), "--project", "p"]) == 1
    assert "wandb" in capsys.readouterr().err
