"""A failed latency check points at the per-op diff of the two models, with files that exist."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path
from types import SimpleNamespace

from edgekit.gate.performance import profile_hint
from tests.gate.conftest import write_config
from tests.gate.stand_ins import install_stand_ins

CONFIG = """
[models.pose]
model = "pose_heavier.tflite"
baseline = "{baseline}"

[models.pose.checks]
latency = {{ max_slowdown = "5%", max_seconds = 60 }}
"""


def _hint_command(out: str) -> str:
    match = re.search(r"see `([^`]+)` for the ops whose time changed most", out)
    assert match, out
    return match.group(1)


def test_a_path_baseline_hint_names_both_files(project, cli, monkeypatch):
    install_stand_ins(monkeypatch)
    config = write_config(project, CONFIG.format(baseline="pose.tflite"))
    code, out, _ = cli("gate", "--config", str(config), "--quiet")
    assert code == 1
    words = shlex.split(_hint_command(out))
    assert words[:3] == ["edgekit", "profile", "--baseline"]
    assert Path(words[3]) == project / "pose.tflite" and Path(words[4]) == project / "pose_heavier.tflite"


def test_a_git_baseline_hint_gives_the_command_that_extracts_it(project, cli, monkeypatch, tmp_path_factory):
    """The gate reads a git:REF:PATH baseline into a temporary file it removes; the hint re-creates it."""
    install_stand_ins(monkeypatch)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "pose.tflite"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "baseline"], cwd=project, check=True)
    config = write_config(project, CONFIG.format(baseline="git:HEAD:pose.tflite"))
    code, out, _ = cli("gate", "--config", str(config), "--quiet")
    assert code == 1
    command = _hint_command(out)
    extract, _, profile = command.partition(" && ")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    subprocess.run(extract, shell=True, cwd=elsewhere, check=True)
    assert (elsewhere / "baseline.tflite").read_bytes() == (project / "pose.tflite").read_bytes()
    words = shlex.split(profile)
    assert words[:4] == ["edgekit", "profile", "--baseline", "baseline.tflite"]
    assert Path(words[4]).is_file()


def test_the_hint_quotes_what_the_configuration_wrote():
    """A ref or path from a pull request reaches the printed command as one quoted word, never as shell."""
    spec = SimpleNamespace(baseline="git:main;touch pwned:a b.tflite", base_dir=Path("/repo dir"))
    context = SimpleNamespace(spec=spec, candidate_path=Path("/repo dir/$(cand).tflite"), baseline_path=None)
    command = _hint_command(profile_hint(context))  # type: ignore[arg-type]
    extract, _, profile = command.partition(" && ")
    assert shlex.split(extract) == ["git", "-C", "/repo dir", "show", "--end-of-options",
                                    "main;touch pwned:a b.tflite", ">", "baseline.tflite"]
    assert shlex.split(profile)[-1] == "/repo dir/$(cand).tflite"
