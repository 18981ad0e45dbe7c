"""Power study of the latency gate: real decisions beside real neighbours, old engine and new.

One command runs the whole study (``python3 -m benchmarks.gate_power --help``):

1. builds the model pairs (``tests/gate_models.py``): A/A (the baseline against itself), x1.10
   (one convolution widened 128 -> 160 channels) and x1.03 (the stem's kernel grown to 5x4);
2. measures each true ratio with a long interleaved run on the machine as it is (paired workers
   timing for ``--true-seconds`` each; both clocks), before any neighbour starts;
3. for each neighbour (``quiet``; ``steady``: two CPU-bound processes; ``mixed``: edgekit's own
   ``pytest -m slow`` restarted whenever it ends), makes ``--decisions`` real decisions per pair
   and engine, interleaved (decision i of every pair and engine before decision i + 1), with the
   new engine (``edgekit.gate.latency``) and the old one (``benchmarks.gate_fresh_engine``);
4. replays ``--replays`` decisions per pair, engine and neighbour from the recorded observations
   (drawn with replacement, the clock advancing by each one's recorded time) through the same rule
   (``benchmarks/gate_power_replay.py``);
5. estimates the smallest slowdown the new engine fails, confirmed, in 95% of decisions within 60 s,
   by replaying the quietest A/A observations shifted by each candidate slowdown.

Every decision is appended to ``OUT/decisions.jsonl`` as it ends (with its observations, so a study
can be replayed again); the figures go to ``OUT/summary.json`` and ``OUT/summary.md``. Targets
(threshold 5%, confidence 99%, beside each neighbour): A/A fail + inconclusive <= 1%; x1.10 failed
and confirmed >= 95%; x1.03 passed >= 95%; time to a verdict (a confirmed fail counts both
decisions) median <= 30 s and p95 <= 60 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.gate_power_replay import (
    CONFIDENCE,
    MAX_SECONDS,
    MAX_SLOWDOWN,
    MIN_ROUNDS,
    meets,
    rates,
    replay_new,
    replay_old,
    smallest_detected,
)
from edgekit.gate.latency import PairedRunner
from edgekit.gate.latency_plan import PairedLoop
from edgekit.gate.observation import Observation
from edgekit.gate.stats import hodges_lehmann

__all__ = ["Study", "main", "rates", "replay_new"]

PAIRS = ("aa", "x110", "x103")
ENGINES = ("new", "old")
NEIGHBOURS = ("quiet", "steady", "mixed")
#: What each pair should get at a 5% threshold.
EXPECTED = {"aa": "pass", "x110": "fail", "x103": "pass"}
REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Record:
    """One real decision, as written to decisions.jsonl."""

    neighbour: str
    engine: str
    pair: str
    index: int
    outcome: str
    confirmed: bool
    seconds: float
    rounds: int
    ratio: float
    low: float
    high: float
    ratio_wall: float | None
    load: list[float]
    #: New engine: every observation (``Observation.to_dict``); old engine: every ABBA round's medians.
    units: list[Any]

    @property
    def verdict(self) -> str:
        """The outcome, a fail marked confirmed or not."""
        if self.outcome == "fail":
            return "fail (confirmed)" if self.confirmed else "fail (not confirmed)"
        return self.outcome


# -- neighbours ----------------------------------------------------------------------------------


@contextlib.contextmanager
def neighbour(kind: str, log: Callable[[str], None]) -> Iterator[None]:
    """Run the neighbour KIND for the duration of the block; its processes are ended by their ids."""
    processes: list[subprocess.Popen[bytes]] = []
    if kind == "steady":
        processes = [
            subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
            for _ in range(2)
        ]
    elif kind == "mixed":
        loop = (
            f"while true; do {sys.executable} -m pytest -m slow -q -x -p no:cacheprovider "
            f"tests >/dev/null 2>&1; done"
        )
        processes = [
            subprocess.Popen(
                ["bash", "-c", loop],
                cwd=REPO,
                start_new_session=True,
                env={**os.environ, "PYTHONPATH": str(REPO)},
            )
        ]
        time.sleep(20)  # let the first tests get going
    elif kind != "quiet":
        raise ValueError(f"unknown neighbour {kind!r}; choose from {', '.join(NEIGHBOURS)}")
    log(f"neighbour {kind}: {len(processes)} process group(s), load {os.getloadavg()[0]:.2f}")
    try:
        yield
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# -- real decisions ------------------------------------------------------------------------------


def decide_new(baseline: Path, candidate: Path, threads: int = 1, loop: PairedLoop | None = None) -> Any:
    from edgekit.gate.latency import compare_latency

    extra = {"loop": loop} if loop is not None else {}
    return compare_latency(
        baseline,
        candidate,
        threads=threads,
        max_slowdown=MAX_SLOWDOWN,
        confidence=CONFIDENCE,
        max_seconds=MAX_SECONDS,
        min_rounds=MIN_ROUNDS,
        **extra,
    )


def decide_old(baseline: Path, candidate: Path) -> Any:
    from benchmarks.gate_fresh_engine import compare_latency

    return compare_latency(
        baseline,
        candidate,
        max_slowdown=MAX_SLOWDOWN,
        confidence=CONFIDENCE,
        max_seconds=MAX_SECONDS,
        min_rounds=MIN_ROUNDS,
    )


def record_of(
    neighbour_kind: str, engine: str, pair: str, index: int, decision: Any, load: list[float]
) -> Record:
    if engine == "new":
        units: list[Any] = [o.to_dict() for o in decision.observations]
        wall = decision.figures.get("wall", (math.nan,))[0]
    else:
        b, c = decision.samples["baseline"], decision.samples["candidate"]
        units = [[b[2 * i], c[2 * i], c[2 * i + 1], b[2 * i + 1]] for i in range(len(b) // 2)]
        wall = decision.ratio
    return Record(
        neighbour_kind,
        engine,
        pair,
        index,
        decision.outcome,
        decision.confirmed,
        decision.seconds,
        decision.rounds,
        decision.ratio,
        decision.low,
        decision.high,
        wall if math.isfinite(wall) else None,
        load,
        units,
    )


# -- the study -----------------------------------------------------------------------------------


@dataclass
class Study:
    """Settings of one study run, and where it writes."""

    out: Path
    decisions: int
    neighbours: tuple[str, ...]
    engines: tuple[str, ...]
    pairs: tuple[str, ...]
    replays: int
    true_workers: int
    true_seconds: float
    threads_study: int = 0

    def log(self, text: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')}] {text}"
        print(line, flush=True)
        with open(self.out / "log.txt", "a", encoding="utf-8") as file:
            file.write(line + "\n")

    def models(self) -> dict[str, tuple[Path, Path]]:
        from tests.gate_models import model_pair, small_slowdown

        folder = self.out / "models"
        folder.mkdir(parents=True, exist_ok=True)
        baseline, wider = model_pair(folder)
        pointwise = small_slowdown(folder)
        return {"aa": (baseline, baseline), "x110": (baseline, wider), "x103": (baseline, pointwise)}

    def run(self) -> dict[str, Any]:
        self.out.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        models = self.models()
        summary: dict[str, Any] = {"settings": self.settings(), "true_ratios": {}, "neighbours": {}}
        for pair in ("x110", "x103"):
            if pair in self.pairs and self.true_workers:
                summary["true_ratios"][pair] = self.true_ratio(*models[pair])
                self.log(f"true ratio {pair}: {json.dumps(summary['true_ratios'][pair])}")
        if self.threads_study:
            summary["threads_study"] = self.clocks_at_two_threads(models["x110"])
            self.log(f"threads study: {json.dumps(summary['threads_study'])}")
        records: list[Record] = []
        for kind in self.neighbours:
            with neighbour(kind, self.log):
                records += self.decide_all(kind, models)
            summary["neighbours"][kind] = self.figures(kind, [r for r in records if r.neighbour == kind])
        summary["smallest"] = self.smallest(records)
        summary["seconds"] = round(time.monotonic() - started)
        (self.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (self.out / "summary.md").write_text(render_summary(summary), encoding="utf-8")
        self.log(f"done in {summary['seconds']} s: {self.out / 'summary.md'}")
        return summary

    def summarise(self) -> dict[str, Any]:
        """The summary of an earlier (or interrupted) run, from its decisions.jsonl; nothing is timed."""
        records = [
            Record(**json.loads(line))
            for line in (self.out / "decisions.jsonl").read_text(encoding="utf-8").splitlines()
            if line
        ]
        records = [
            r
            for r in records
            if r.neighbour in self.neighbours and r.engine in self.engines and r.pair in self.pairs
        ]
        earlier = self.out / "summary.json"
        summary: dict[str, Any] = json.loads(earlier.read_text()) if earlier.is_file() else {}
        summary.update(settings={**self.settings(), "decisions": "as recorded"}, neighbours={})
        summary.setdefault("true_ratios", {})
        for kind in self.neighbours:
            batch = [r for r in records if r.neighbour == kind]
            if batch:
                summary["neighbours"][kind] = self.figures(kind, batch)
        summary["smallest"] = self.smallest(records)
        (self.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (self.out / "summary.md").write_text(render_summary(summary), encoding="utf-8")
        return summary

    def settings(self) -> dict[str, Any]:
        return {
            "decisions": self.decisions,
            "neighbours": list(self.neighbours),
            "engines": list(self.engines),
            "pairs": list(self.pairs),
            "replays": self.replays,
            "true_workers": self.true_workers,
            "true_seconds": self.true_seconds,
            "max_slowdown": MAX_SLOWDOWN,
            "confidence": CONFIDENCE,
            "max_seconds": MAX_SECONDS,
            "cores": len(os.sched_getaffinity(0)),
        }

    def true_ratio(self, baseline: Path, candidate: Path) -> dict[str, Any]:
        """Long paired workers on the machine as it is: HL of the worker ratios by each clock."""
        loop = PairedLoop(min_seconds=self.true_seconds, max_seconds=self.true_seconds * 2)
        with PairedRunner(baseline, candidate, "cpu", 1, 0, loop) as runner:
            observations = [runner.observe() for _ in range(self.true_workers)]
        result: dict[str, Any] = {
            "workers": len(observations),
            "seconds_each": self.true_seconds,
            "load": [o.load for o in observations],
        }
        for clock in ("thread_cpu", "wall"):
            result[clock] = math.exp(hodges_lehmann([o.log_ratios[clock] for o in observations]))
        result["baseline_ms"] = statistics.median(o.baseline_ms["wall"] for o in observations)
        result["candidate_ms"] = statistics.median(o.candidate_ms["wall"] for o in observations)
        return result

    def clocks_at_two_threads(self, pair: tuple[Path, Path]) -> dict[str, Any]:
        """Which clock is honest at 2 threads: long workers on the machine as it is give the ratio a
        user would see; then the default workers beside the steady neighbour, by each clock."""
        long_loop = PairedLoop(min_seconds=self.true_seconds, max_seconds=self.true_seconds * 2)
        result: dict[str, Any] = {}
        for label, loop, kind in (("as_is_long", long_loop, "quiet"), ("steady", None, "steady")):
            with neighbour(kind, self.log), PairedRunner(*pair, "cpu", 2, 0, loop or PairedLoop()) as runner:
                observations = [runner.observe() for _ in range(self.threads_study)]
            entry: dict[str, Any] = {
                "workers": len(observations),
                "load": statistics.median(o.load or 0.0 for o in observations),
            }
            for clock in ("thread_cpu", "process_cpu", "wall"):
                logs = [o.log_ratios[clock] for o in observations]
                entry[clock] = {"ratio": math.exp(hodges_lehmann(logs)), "sd": statistics.stdev(logs)}
            result[label] = entry
        return result

    def decide_all(self, kind: str, models: dict[str, tuple[Path, Path]]) -> list[Record]:
        records = []
        for index in range(self.decisions):
            for pair in self.pairs:
                for engine in self.engines:
                    load = list(os.getloadavg())
                    decision = (decide_new if engine == "new" else decide_old)(*models[pair])
                    record = record_of(kind, engine, pair, index, decision, load)
                    records.append(record)
                    with open(self.out / "decisions.jsonl", "a", encoding="utf-8") as file:
                        file.write(json.dumps(record.__dict__) + "\n")
                    self.log(
                        f"{kind} {engine} {pair} #{index}: {record.verdict} x{record.ratio:.3f} "
                        f"[{record.low:.3f}, {record.high:.3f}] {record.rounds} units {record.seconds:.0f} s "
                        f"load {load[0]:.1f}"
                    )
        return records

    def figures(self, kind: str, records: list[Record]) -> dict[str, Any]:
        """Rates and times of the real decisions and of their replays, per engine and pair."""
        figures: dict[str, Any] = {}
        for engine in self.engines:
            for pair in self.pairs:
                batch = [r for r in records if r.engine == engine and r.pair == pair]
                if not batch:
                    continue
                real = rates([(r.outcome, r.confirmed, r.seconds) for r in batch])
                real["load_median"] = statistics.median(r.load[0] for r in batch)
                replayed = self.replayed(engine, batch)
                figures[f"{engine}/{pair}"] = {
                    "real": real,
                    "replayed": replayed,
                    "meets_target": meets(pair, real) and meets(pair, replayed),
                }
        return figures

    def replayed(self, engine: str, batch: list[Record]) -> dict[str, Any]:
        if not self.replays:
            return {}
        if engine == "new":
            pool = [Observation.from_dict(unit) for r in batch for unit in r.units]
            return rates(replay_new(pool, self.replays))
        rounds = [unit for r in batch for unit in r.units]
        per_round = sum(r.seconds for r in batch) / max(sum(r.rounds for r in batch), 1)
        return rates(replay_old(rounds, per_round, self.replays))

    def smallest(self, records: list[Record]) -> dict[str, Any]:
        """From the quietest neighbour's A/A observations of the new engine."""
        for kind in ("quiet", "steady", "mixed"):
            pool = [
                Observation.from_dict(u)
                for r in records
                if r.neighbour == kind and r.engine == "new" and r.pair == "aa"
                for u in r.units
            ]
            if pool:
                return {
                    "neighbour": kind,
                    "at_5_percent": smallest_detected(pool, max_slowdown=0.05),
                    "at_0_percent": smallest_detected(pool, max_slowdown=0.0),
                }
        return {}


def render_summary(summary: dict[str, Any]) -> str:
    """The README's tables, from a summary."""
    lines = ["## Power study", "", f"settings: {json.dumps(summary['settings'])}", ""]
    for label, entry in (summary.get("threads_study") or {}).items():
        clocks = ", ".join(
            f"{clock} x{entry[clock]['ratio']:.3f} (sd {entry[clock]['sd']:.1%})"
            for clock in ("thread_cpu", "process_cpu", "wall")
        )
        lines.append(f"- 2 threads, {label} (load {entry['load']:.1f}, {entry['workers']} workers): {clocks}")
    for pair, true in summary["true_ratios"].items():
        lines.append(
            f"- true ratio {pair}: thread CPU x{true['thread_cpu']:.3f}, wall x{true['wall']:.3f} "
            f"({true['workers']} workers of {true['seconds_each']:g} s; {true['baseline_ms']:.2f} vs "
            f"{true['candidate_ms']:.2f} ms)"
        )
    lines += [
        "",
        "| neighbour | engine | pair | decisions | pass | fail (confirmed) | inconclusive | "
        "median s | p95 s | replayed: pass / fail / inconcl. / median s / p95 s | targets |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, figures in summary["neighbours"].items():
        for key, entry in figures.items():
            engine, pair = key.split("/")
            real, replayed = entry["real"], entry["replayed"]
            replay_text = (
                f"{replayed['pass']:.1%} / {replayed['fail_confirmed']:.1%} / "
                f"{replayed['inconclusive']:.1%} / {replayed['median_s']:.0f} / {replayed['p95_s']:.0f}"
                if replayed
                else "-"
            )
            lines.append(
                f"| {kind} | {engine} | {pair} | {real['n']} | {real['pass']:.0%} | "
                f"{real['fail_confirmed']:.0%} | {real['inconclusive']:.0%} | {real['median_s']:.0f} | "
                f"{real['p95_s']:.0f} | {replay_text} | {'met' if entry['meets_target'] else 'MISSED'} |"
            )
    smallest = summary.get("smallest") or {}
    for key in ("at_5_percent", "at_0_percent"):
        if key in smallest:
            entry = smallest[key]
            found = f"x{1 + entry['slowdown']:.3f}" if entry["slowdown"] is not None else "none up to x1.30"
            lines.append(
                f"\nsmallest slowdown failed and confirmed in 95% of decisions within "
                f"{entry['within_s']:g} s, max_slowdown {entry['max_slowdown']:.0%} "
                f"({smallest['neighbour']} A/A observations, {entry['pool']} workers): {found}"
            )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m benchmarks.gate_power",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for decisions.jsonl, summary.*, log")
    parser.add_argument(
        "--decisions", type=int, default=20, help="real decisions per pair, engine, neighbour"
    )
    parser.add_argument("--neighbours", default="steady,mixed", help=f"of {','.join(NEIGHBOURS)}")
    parser.add_argument("--engines", default="new,old", help="new, old or both")
    parser.add_argument("--pairs", default=",".join(PAIRS), help=f"of {','.join(PAIRS)}")
    parser.add_argument("--replays", type=int, default=1000, help="replayed decisions per pair and engine")
    parser.add_argument("--true-workers", type=int, default=40, help="workers of the long run per true ratio")
    parser.add_argument("--true-seconds", type=float, default=3.0, help="timing per worker of that run")
    parser.add_argument(
        "--threads-study",
        type=int,
        default=0,
        metavar="WORKERS",
        help="also time the x1.10 pair at 2 threads, alone (long workers) and beside the "
        "steady neighbour, by every clock: which one is honest (0: skip)",
    )
    parser.add_argument(
        "--summarise",
        action="store_true",
        help="only rebuild summary.json and summary.md from OUT/decisions.jsonl",
    )
    args = parser.parse_args(argv)
    study = Study(
        args.out,
        args.decisions,
        _words(args.neighbours, NEIGHBOURS),
        _words(args.engines, ENGINES),
        _words(args.pairs, PAIRS),
        args.replays,
        args.true_workers,
        args.true_seconds,
        args.threads_study,
    )
    summary = study.summarise() if args.summarise else study.run()
    print(render_summary(summary))
    return 0


def _words(text: str, allowed: Sequence[str]) -> tuple[str, ...]:
    words = tuple(word.strip() for word in text.split(",") if word.strip())
    unknown = [word for word in words if word not in allowed]
    if unknown:
        raise SystemExit(f"unknown {', '.join(unknown)}; choose from {', '.join(allowed)}")
    return words


if __name__ == "__main__":
    sys.exit(main())
