"""Options, processes and exit codes under hostile values: one answer per value in every command,
negative values as written, Ctrl-C at any moment, stateful and string models, a relative cache
folder, and no raw numpy warnings. Each CLI case ends with its documented exit code and one line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from edgekit.cli.main import main
from edgekit.errors import UsageError
from tests import hostile, tflite_builder

REPO = Path(__file__).resolve().parents[2]
FAST = ["--runs", "1", "--min-seconds", "0", "--warmup", "0", "--warmup-seconds", "0", "--max-seconds", "1",
        "--quiet"]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("options")
    return {
        "chain": tflite_builder.add_chain(folder / "chain.tflite", n_ops=2),
        # 120 GB of input: refused by its size, never allocated.
        "huge": tflite_builder.add_chain(folder / "huge.tflite", shape=(1, 100000, 100000, 3), n_ops=1),
    }


def refused(capsys: pytest.CaptureFixture[str], *argv: object, code: int = 2) -> str:
    """The one error line of ARGV, which must exit CODE without a traceback."""
    assert main([str(a) for a in argv]) == code
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("edgekit: error:"), err
    assert "Traceback" not in err
    return lines[0]


# --- one answer per value, whichever command gets it -----------------------------------------------

PROFILE = ["--seconds", "0.1"]
BISECT = ["--delegate", "cpu"]


#: (option, the line's text): profile takes no --seed (its inputs are seeded at 0).
SHARED_REFUSALS = [
    (["--threads", "300"], "--threads: 300 is not a thread count; use whole numbers 1..256"),
    (["--threads", "0"], "--threads: 0 is not a thread count"),
    (["--seed", "-1"], "--seed: -1 is not a seed"),
    (["--delegate", ""], "--delegate: give at least one delegate, e.g. cpu"),
    (["--delegate", "tpu"], "unknown delegate 'tpu'; choose from: cpu, cpu-ref"),
]


@pytest.mark.parametrize(
    "command, option, text",
    [(command, option, text) for command in ("bench", "profile", "bisect") for option, text in SHARED_REFUSALS
     if not (command == "profile" and option[0] == "--seed")],
)
def test_a_bad_value_gets_the_same_refusal_in_every_command(models, capsys, command, option, text):
    extra = {"bench": FAST, "profile": PROFILE, "bisect": BISECT}[command]
    line = refused(capsys, command, models["chain"], *extra, *option)
    assert text in line


@pytest.mark.parametrize("option", ["--jump-db", "--floor-db"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_bisect_thresholds_that_would_turn_detection_off_are_refused(models, capsys, option, value):
    line = refused(capsys, "bisect", models["chain"], *BISECT, option, value)
    assert f"{option}: {value} is not a finite number of decibels" in line


@pytest.mark.parametrize(
    "argv, text",
    [
        (["profile", "{chain}", "--seconds", "inf"], "--seconds: inf is not a finite number of seconds"),
        (["profile", "{chain}", "--seconds", "1e308"], "--seconds: 1e+308 seconds is more than a day"),
        (["profile", "{chain}", "--seconds", "0"], "--seconds: 0 seconds must be positive"),
        (["bench", "{chain}", *FAST, "--max-seconds", "1e308"], "--max-seconds: 1e+308 seconds is more than"),
        (["bench", "{chain}", *FAST, "--timeout", "1e308"], "--timeout: 1e+308 seconds is more than a day"),
    ],
)
def test_durations_are_finite_and_at_most_a_day_so_nothing_hangs(models, capsys, argv, text):
    start = time.monotonic()
    line = refused(capsys, *[a.format(chain=models["chain"]) for a in argv])
    assert text in line and time.monotonic() - start < 10


@pytest.mark.parametrize("command, extra", [("bench", FAST), ("profile", PROFILE), ("bisect", BISECT)])
def test_huge_tensors_are_refused_up_front_by_the_memory_budget(models, capsys, command, extra):
    line = refused(capsys, command, models["huge"], *extra)
    assert "--max-input-bytes: the runtime would allocate 120.00 GB" in line
    line = refused(capsys, command, models["chain"], *extra, "--max-input-bytes", "8")
    assert "--max-input-bytes:" in line and "32 bytes" in line


def test_the_library_names_its_parameters_the_same_in_every_function(models):
    from edgekit.bench.run import bench
    from edgekit.explain import bisect, profile

    calls: list[Callable[[], Any]] = [
        lambda: bench(models["chain"], threads=[300]),
        lambda: profile(models["chain"], threads=300),
        lambda: bisect(models["chain"], delegate="cpu", threads=300),
    ]
    for call in calls:
        with pytest.raises(UsageError) as caught:
            call()
        assert caught.value.parameter == "threads" and "300 is not a thread count" in caught.value.reason
    with pytest.raises(UsageError, match="^jump_db: nan is not a finite number"):
        bisect(models["chain"], delegate="cpu", jump_db=float("nan"))


def test_profile_reports_an_unavailable_delegate_as_bench_does(models, capsys):
    from edgekit import delegates

    if delegates.get("edgetpu").probe().available:
        pytest.skip("an Edge TPU is attached here: nothing is unavailable to test")
    for argv in (["bench", models["chain"], *FAST, "--delegate", "edgetpu"],
                 ["profile", models["chain"], *PROFILE, "--delegate", "edgetpu"]):
        assert main([str(a) for a in argv]) == 0, argv
        captured = capsys.readouterr()
        assert "libedgetpu.so.1 not found" in captured.out and "unavailable" in captured.out.lower()
        assert "Traceback" not in captured.err


def test_gate_threads_seed_and_delegates_are_checked_as_bench_checks_them(models, tmp_path, capsys):
    for key, value, text in [("threads", "[300]", "300 is not a thread count; use whole numbers 1..256"),
                             ("delegates", "[]", "give at least one delegate, e.g. cpu"),
                             ("seed", "-1", "-1 cannot be negative")]:
        config = tmp_path / f"{key}.toml"
        config.write_text(f'[models.m]\nmodel = "{models["chain"]}"\n{key} = {value}\n\n'
                          "[models.m.checks]\nops = { max = 10 }\n", encoding="utf-8")
        line = refused(capsys, "gate", "--config", config)
        assert f"{config}:3: models.m.{key}: {text}" in line


# --- negative values as written ----------------------------------------------------------------------


def test_negative_normalize_is_taken_as_written_by_bench(models, tmp_path, capsys):
    result = tmp_path / "r.json"
    assert main(["bench", str(models["chain"]), *FAST, "--normalize", "-1,1", "--json", str(result)]) == 0
    assert json.loads(result.read_text())["settings"]["normalize"] == [-1.0, 1.0]
    assert "expected one argument" not in capsys.readouterr().err
    assert "--normalize: -1,-2 is not LOW,HIGH" in refused(capsys, "bench", models["chain"], *FAST,
                                                           "--normalize", "-1,-2")
    assert "--normalize: -inf,1 is not LOW,HIGH: finite" in refused(capsys, "bench", models["chain"], *FAST,
                                                                     "--normalize", "-inf,1")


def test_negative_values_reach_scaffold_and_its_own_error_stays_true(models, tmp_path, capsys):
    # The model cannot serve the app: the refusal comes from binding, past the argument parser.
    line = refused(capsys, "scaffold", "--app", "pose-web", "--model", models["chain"], "--out",
                   tmp_path / "app", "--normalize", "-1,1")
    assert "pose-web cannot use chain.tflite" in line
    line = refused(capsys, "scaffold", "--app", "pose-web", "--model", models["chain"], "--out",
                   tmp_path / "app", "--normalize", "-1")
    assert "--normalize: '-1' is not LOW,HIGH (e.g. 0,1 or -1,1)" in line  # and -1,1 works, as it says


def test_negative_calibration_range_is_taken_as_written_by_convert(tmp_path, capsys):
    line = refused(capsys, "convert", tmp_path / "missing", "--out", tmp_path / "out", "--calibration-range",
                   "-1,1")
    assert "model not found" in line  # past the parser: the source is what is wrong
    line = refused(capsys, "convert", tmp_path / "missing", "--out", tmp_path / "out", "--calibration-range",
                   "-1,-2")
    assert "--calibration-range: '-1,-2' is not LOW,HIGH with LOW < HIGH" in line


def test_negative_thresholds_are_values_and_dashes_stay_options(models, capsys):
    assert main(["bisect", str(models["chain"]), *BISECT, "--jump-db", "-1e3", "--floor-db", "-5"]) == 0
    assert "Traceback" not in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:  # not a number: still an option
        main(["bench", str(models["chain"]), "--normalize", "-x"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and err.count("\n") == 1
    assert err.startswith("edgekit: error: argument --normalize: expected one argument")


# --- Ctrl-C at any moment --------------------------------------------------------------------------

#: Seconds after start; each is raised to the bare interpreter's own start-up time, measured here.
DELAYS = (0.05, 0.1, 0.2, 0.35, 0.5, 1.0)


def _interpreter_startup() -> float:
    """Seconds Python needs before it runs any edgekit code (site imports included).

    A signal before then lands in the interpreter's own start-up, where no Python code of
    edgekit exists to catch it.
    """
    times = []
    for _ in range(3):
        start = time.monotonic()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.monotonic() - start)
    return sorted(times)[1]


def _interrupted(model: Path, tmp: Path, delay: float, signum: int = signal.SIGINT) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp)}
    command = [sys.executable, "-m", "edgekit", "bench", str(model), "--min-seconds", "30", "--max-seconds",
               "30", "--no-accuracy", "--quiet"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    return process.returncode, err


def test_ctrl_c_at_any_moment_start_up_included_exits_130_in_one_line(models, tmp_path):
    floor = _interpreter_startup()
    results = {}
    for delay in sorted({max(d, floor) for d in DELAYS}):
        code, err = _interrupted(models["chain"], tmp_path, delay)
        lines = [line for line in err.splitlines() if line.strip()]
        results[round(delay, 3)] = (code, lines)
        assert "Traceback" not in err, (delay, err)
        assert code == 130 and len(lines) == 1 and lines[0].startswith("edgekit: interrupted"), (delay, err)
    assert list(tmp_path.iterdir()) == [], results  # no temporary folder left behind


def test_sigterm_while_loading_exits_143(models, tmp_path):
    code, err = _interrupted(models["chain"], tmp_path, max(0.15, _interpreter_startup()), signal.SIGTERM)
    assert code == 143 and "Traceback" not in err and err.strip().startswith("edgekit: interrupted"), err


def test_an_interrupt_absorbed_by_the_command_still_exits_130(models, capsys, monkeypatch):
    """A library that swallows the interrupt (or wraps it in another error) cannot hide it."""
    import edgekit.cli.main as cli

    def swallowing(args):
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            pass
        raise RuntimeError("Error calling __set_name__")  # what a dataclass made during the interrupt says

    monkeypatch.setattr(cli, "_inspect", swallowing)
    assert main(["inspect", str(models["chain"])]) == 130
    assert capsys.readouterr().err.strip() == "edgekit: interrupted"


# --- stateful and string models ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def tf_built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two real converted models: one keeps a tf.Variable, one has a string output."""
    from tests.tf_models import _convert, _tensorflow, _write

    tf = _tensorflow()
    folder = tmp_path_factory.mktemp("tf-built")

    class Counter(tf.Module):
        def __init__(self) -> None:
            self.total = tf.Variable(tf.zeros([1, 4]), name="total")

        @tf.function(input_signature=[tf.TensorSpec([1, 4], tf.float32, name="x")])
        def __call__(self, x: Any) -> Any:
            self.total.assign_add(x)
            return {"y": tf.nn.relu(self.total * 2.0 + x)}

    counter = Counter()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([counter.__call__.get_concrete_function()],
                                                                counter)
    converter.experimental_enable_resource_variables = True
    stateful = _write(_convert(converter), folder / "stateful.tflite")

    @tf.function(input_signature=[tf.TensorSpec([2], tf.string, name="text"),
                                  tf.TensorSpec([1, 4], tf.float32, name="x")])
    def words(text: Any, x: Any) -> Any:
        return {"words": tf.gather(text, [1, 0]), "y": x * 2.0}

    converter = tf.lite.TFLiteConverter.from_concrete_functions([words.get_concrete_function()])
    text = _write(_convert(converter), folder / "text.tflite")
    return {"stateful": stateful, "text": text}


def test_bisect_refuses_a_model_with_resource_variables(tf_built, capsys):
    line = refused(capsys, "bisect", tf_built["stateful"], "--delegate", "cpu")
    assert "not a model bisect can compare op by op: it keeps state in resource variables" in line
    assert "VAR_HANDLE" in line and "freeze its variables into constants" in line
    line = refused(capsys, "bisect", tflite_builder.add_chain(tf_built["stateful"].parent / "c.tflite"),
                   "--delegate", "cpu", "--reference", tf_built["stateful"])  # as the reference too
    assert "resource variables" in line


def test_string_outputs_are_read_back_without_pickles_and_judged_by_equality(tf_built, tmp_path, capsys):
    inputs = tmp_path / "inputs.npz"
    np.savez(inputs, text=np.array([b"hello", b"w\xc3\xb6rld"]), x=np.ones((1, 4), np.float32))
    result = tmp_path / "r.json"
    assert main(["bench", str(tf_built["text"]), *FAST, "--inputs", str(inputs), "--json", str(result)]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err
    assert "pass (2 outputs" in out
    with np.load(result.with_name("r.arrays.npz"), allow_pickle=False) as arrays:
        words = [arrays[key] for key in arrays.files if key.endswith("outputs/Identity")]
    assert words and all(w.dtype.kind == "S" and w.tolist() == [b"w\xc3\xb6rld", b"hello"] for w in words)
    assert main(["judge", str(result)]) == 0
    assert "Identity: equal to the reference item for item -> pass" in capsys.readouterr().out


def test_text_outputs_that_differ_fail():
    from edgekit.verdicts.accuracy import compare_outputs

    report = compare_outputs({"w": np.array([b"a", b"b"])}, {"w": np.array([b"a", b"c"])}, precision="fp32",
                             reference_label="test")
    assert report.verdict == "fail" and "differs from the reference's text" in report.reasons[0]


# --- a relative cache folder -------------------------------------------------------------------------


def test_a_relative_cache_dir_is_made_absolute_where_it_is_read(tmp_path, monkeypatch):
    from edgekit import zoo

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EDGEKIT_CACHE_DIR", "relative/cache")
    assert zoo.cache_dir() == tmp_path / "relative" / "cache" and zoo.cache_dir().is_absolute()


@pytest.mark.slow
def test_zoo_pull_into_a_relative_cache_dir_with_npm(tmp_path):
    """npm packs in a folder of its own: a relative destination used to be doubled there."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "EDGEKIT_CACHE_DIR": "cache",
           "npm_config_fetch_retries": "0"}
    command = [sys.executable, "-m", "edgekit", "zoo", "pull", "selfie-segmentation", "--quiet"]
    process = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert process.returncode == 0 and process.stderr == "", process.stderr
    assert Path(process.stdout.strip()) == tmp_path / "cache" / "models" / "selfie-segmentation" / \
        "selfie_segmentation.tflite"


# --- numpy warnings, hostile quantization ------------------------------------------------------------


def test_values_near_the_float64_limit_give_numbers_not_warnings(models, tmp_path, capsys):
    from edgekit.measure.stats import LatencyStats
    from edgekit.model.model import Quantization
    from edgekit.model.quantization import quantize
    from edgekit.verdicts.metrics import output_metrics

    expected = tmp_path / "expected.npz"
    np.savez(expected, output=np.tile([1e308, -1e308], (1, 4)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # any numpy RuntimeWarning fails the test
        metrics = output_metrics(np.array([1e308, -1e308, 3.0]), np.array([-1e308, 1e308, 1.0]))
        assert metrics.cosine == -1.0 and np.isfinite(metrics.snr_db) and np.isfinite(metrics.reference_rms)
        stats = LatencyStats.from_samples([np.inf, 1.0, 1e308])
        assert stats.max == np.inf
        quantized = quantize(np.array([np.nan, np.inf, -1e300]), Quantization((0.5,), (3,), None), "int8")
        assert quantized.tolist() == [3, 127, -128]
        assert main(["bench", str(models["chain"]), *FAST, "--expected", str(expected)]) == 0
    err = capsys.readouterr().err
    assert "Warning" not in err and err == ""


@pytest.mark.parametrize("scale", [float("inf"), float("nan"), -1.0])
def test_an_input_scale_that_gives_no_range_is_refused_not_an_internal_error(tmp_path, capsys, scale):
    base = tflite_builder.quantized_model(tmp_path / "q.tflite").read_bytes()

    def change(model: Any) -> None:
        model.subgraphs[0].tensors[0].quantization.scale = [scale]

    path = tmp_path / "bad_scale.tflite"
    path.write_bytes(hostile.edit_model(base, change))
    for argv in (["bench", path, *FAST], ["bisect", path, *BISECT]):
        line = refused(capsys, *argv)
        assert "gives no range to draw inputs from; pass your own with --inputs" in line


def test_a_role_metric_that_is_nan_fails():
    from edgekit.verdicts.roles import parse_output_roles
    from edgekit.verdicts.task_metrics import judge_role

    role = parse_output_roles({"e": "embedding"})["e"]
    huge = np.full((1, 8), 1e308)
    assert judge_role("e", role, huge, -huge, precision="fp32").verdict == "fail"
    assert judge_role("e", role, huge, huge, precision="fp32").verdict == "pass"
