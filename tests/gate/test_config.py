"""A bad gate configuration exits 2 with one line naming the file, the key and its line."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest

from edgekit.gate.config import load_config
from edgekit.gate.locate import locate_key
from edgekit.gate.static_checks import SizeOptions
from tests.gate.conftest import write_config

GOOD = """
[gate]
runtime_mismatch = "warn"

[models.pose]
model = "pose.tflite"
baseline = "pose.tflite"
threads = [1, 2]

[models.pose.checks]
size = { max_growth = "2%" }
ops = { max = 400 }
coverage = { gpu = { fully_mapped = true } }
latency = { max_slowdown = "5%" }
"""


def test_a_good_config_loads_with_timed_checks_per_thread_count(tmp_path):
    config = load_config(write_config(tmp_path, GOOD))
    assert [c.name for c in config.models[0].checks] == [
        "size",
        "ops",
        "coverage gpu",
        "latency cpu x1",
        "latency cpu x2",
    ]
    assert config.models[0].checks[0].options == SizeOptions(max_growth=0.02)
    latency = config.models[0].checks[3]
    assert (latency.delegate, latency.threads, latency.options.max_slowdown) == ("cpu", 1, 0.05)


def _one_line_error(cli, config, key: str, line: int, *words: str) -> str:
    code, out, err = cli("gate", "--config", str(config))
    assert code == 2 and out == ""
    assert err.count("\n") == 1, err
    assert f"{config}:{line}: {key}: " in err, err
    for word in words:
        assert word in err, err
    return err


@pytest.mark.parametrize(
    "old, new, key, line, words",
    [
        (
            "ops = { max = 400 }",
            "ops = { max = 400, maximum = 3 }",
            "models.pose.checks.ops.maximum",
            11,
            ["unknown key", "valid keys here: max, max_growth"],
        ),
        (
            "threads = [1, 2]",
            'threads = "two"',
            "models.pose.threads",
            7,
            ["where a whole number is expected"],
        ),
        (
            'size = { max_growth = "2%" }',
            'size = { max_growth = "-5%" }',
            "models.pose.checks.size.max_growth",
            10,
            ["cannot be negative"],
        ),
        (
            'size = { max_growth = "2%" }',
            "size = { max_growth = 2 }",
            "models.pose.checks.size.max_growth",
            10,
            ['write it as a string like "2%"'],
        ),
        (
            'latency = { max_slowdown = "5%" }',
            "latency = { confidence = 1.5 }",
            "models.pose.checks.latency.confidence",
            13,
            ["is not a confidence level in [0.5, 1)"],
        ),
        (
            'latency = { max_slowdown = "5%" }',
            'latency = { max_slowdown = "5%", max_seconds = 3 }',
            "models.pose.checks.latency.max_seconds",
            13,
            ["3 s can never reach a decision", "after 9 worker processes", "give max_seconds = 30 or more"],
        ),
        (
            "coverage = { gpu",
            "coverage = { tpu",
            "models.pose.checks.coverage.tpu",
            12,
            ["unknown delegate 'tpu'"],
        ),
        ('baseline = "pose.tflite"\n', "", "models.pose.checks.size", 9, ["has no `baseline`"]),
        ("[gate]", "[gates]", "gates", 1, ["unknown key; valid keys here: gate, models"]),
        ('runtime_mismatch = "warn"', 'runtime_mismatch = "ignore"', "gate.runtime_mismatch", 2, ["'warn'"]),
    ],
)
def test_bad_values_name_file_key_and_line(tmp_path, cli, old, new, key, line, words):
    assert old in GOOD
    config = write_config(tmp_path, GOOD.replace(old, new))
    _one_line_error(cli, config, key, line, *words)


def test_a_missing_model_file_names_its_key(tmp_path, cli):
    config = write_config(tmp_path, GOOD.replace('latency = { max_slowdown = "5%" }\n', ""))
    _one_line_error(cli, config, "models.pose.model", 5, "neither a file", str(tmp_path / "pose.tflite"))


def test_a_corrupt_baseline_fails_closed(project, cli):
    (project / "broken.tflite").write_bytes(b"not a flatbuffer at all")
    config = write_config(
        project,
        GOOD.replace('baseline = "pose.tflite"', 'baseline = "broken.tflite"').replace(
            'latency = { max_slowdown = "5%" }\n', ""
        ),
    )
    _one_line_error(cli, config, "models.pose.baseline", 6, "fix or replace the file")


ACCURACY = """
[models.pose]
model = "pose.tflite"

[models.pose.checks]
accuracy = { golden = "golden/pose.npz" }
"""


def test_a_missing_golden_file_says_to_record_it(project, cli):
    (project / "golden").mkdir()
    config = write_config(project, ACCURACY)
    _one_line_error(
        cli, config, "models.pose.checks.accuracy.golden", 5, "does not exist", "edgekit gate --record"
    )


@pytest.mark.parametrize("content", [b"PK\x03\x04 truncated zip", b"plain text"])
def test_a_corrupt_golden_file_fails_closed(project, cli, content):
    (project / "golden").mkdir()
    (project / "golden/pose.npz").write_bytes(content)
    config = write_config(project, ACCURACY)
    _one_line_error(
        cli,
        config,
        "models.pose.checks.accuracy.golden",
        5,
        "not a golden file edgekit wrote",
        "edgekit gate --record",
    )


def test_a_golden_file_without_meta_fails_closed(project, cli):
    (project / "golden").mkdir()
    np.savez(project / "golden/pose.npz", x=np.zeros(3))
    _one_line_error(
        cli,
        write_config(project, ACCURACY),
        "models.pose.checks.accuracy.golden",
        5,
        "not a golden file edgekit wrote",
    )


def test_a_git_baseline_that_does_not_exist_names_its_key(project, cli):
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    config = write_config(
        project,
        GOOD.replace('baseline = "pose.tflite"', 'baseline = "git:HEAD:nothing.tflite"').replace(
            'latency = { max_slowdown = "5%" }\n', ""
        ),
    )
    err = _one_line_error(cli, config, "models.pose.baseline", 6, "ref 'HEAD' names no commit")
    assert "fetch-depth: 0" in err


def test_a_pyproject_table_is_read_and_its_errors_carry_the_tool_prefix(tmp_path, cli):
    text = "[project]\nname = 'x'\n\n" + GOOD.replace("[gate]", "[tool.edgekit.gate]").replace(
        "[models.", "[tool.edgekit.models."
    ).replace('"2%"', '"2 percent"')
    config = write_config(tmp_path, text, "pyproject.toml")
    _one_line_error(cli, config, "tool.edgekit.models.pose.checks.size.max_growth", 14, "is not a percentage")


def test_invalid_toml_gives_its_line(tmp_path, cli):
    config = write_config(tmp_path, GOOD.replace("ops = { max = 400 }", "ops = { max = }"))
    code, _, err = cli("gate", "--config", str(config))
    assert code == 2 and re.search(r"edgekit\.toml:11: config: not valid TOML", err)


def test_locate_key_finds_headers_dotted_keys_and_inline_tables():
    text = (
        '[models.a]\nmodel = "x"\nchecks.size = { max_bytes = 1 }\n\n[models."b c".checks]\n'
        "ops = { max = 2 }\n"
    )
    assert locate_key(text, ["models", "a", "model"]) == 2
    assert locate_key(text, ["models", "a", "checks", "size", "max_bytes"]) == 3
    assert locate_key(text, ["models", "b c", "checks", "ops", "max"]) == 6
    assert locate_key(text, ["models", "b c", "checks"]) == 5
    assert locate_key(text, ["nothing"]) is None
