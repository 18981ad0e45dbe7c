"""What the data-surface corpora share: the workspace they build, and how a surface is run and judged.

Each surface (gate configs, golden files, result documents, manifests and names, option values)
is one test that builds its cases, runs them through :func:`run_surface` and fails with every
broken promise listed. The workspace is a git project (a small real model, its heavier twin, a
recorded golden file, a committed ``evil:`` folder and a committed link to the canary) beside a
canary folder whose secret no output may ever hold.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from edgekit.cli.main import main
from tests import tflite_builder
from tests.fuzz.harness import CANARY, REPO_ROOT, Case, Tally, Watch, check_batch, fresh_tmpdir, run_case

__all__ = ["FAST", "MODEL_FILES", "REFUSED", "TOTAL", "Workspace", "build_workspace", "document_outputs",
           "html_is_inert", "run_surface", "unchanged"]

#: A bench that ends at once (one run, no warm-up, no accuracy).
FAST = ["--runs", "1", "--min-seconds", "0", "--warmup", "0", "--warmup-seconds", "0", "--max-seconds", "1",
        "--no-accuracy", "--quiet"]
#: What a hostile value must get: refused as bad input.
REFUSED = (2,)
#: Every surface's tally, summed for the session's report (see conftest.py).
TOTAL = Tally()
#: What the model-file corpus (tests/test_fuzz_corpus.py) did, for the same summary.
MODEL_FILES = Tally()


@dataclass
class Workspace:
    """Where the cases live: a git project with a model, its twin and a golden file; a canary folder."""

    root: Path
    tmp: Path
    canary: Path
    secret: Path
    project: Path
    counter: list[int]

    def name(self, stem: str, suffix: str = "") -> str:
        """A file name no other case uses."""
        self.counter[0] += 1
        return f"{stem}-{self.counter[0]}{suffix}"


def _git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=folder,
                   check=True, capture_output=True)


def build_workspace(root: Path) -> Workspace:
    """The project and canary folder under ROOT (a real model, its golden file recorded by the gate)."""
    canary = root / "canary"
    canary.mkdir()
    secret = canary / "secret.bin"
    secret.write_bytes(CANARY)
    tmp = root / "tmp"
    tmp.mkdir()
    project = root / "project"
    project.mkdir()
    tflite_builder.conv_model(project / "model.tflite")
    tflite_builder.conv_model(project / "twin.tflite", filters=5)
    (project / "record.toml").write_text('[models.m]\nmodel = "model.tflite"\n\n[models.m.checks]\n'
                                         'accuracy = { golden = "golden.npz" }\n', encoding="utf-8")
    assert main(["gate", "--record", "--config", str(project / "record.toml"), "--quiet"]) == 0
    (project / "evil:").mkdir()
    (project / "evil:" / "f").write_text("x")
    (project / "link.tflite").symlink_to(secret)
    _git(project, "init", "-q")
    _git(project, "add", ".")
    _git(project, "commit", "-qm", "baseline")
    return Workspace(root, tmp, canary, secret, project, [0])


def _watch(workspace: Workspace) -> Watch:
    """The workspace, the repository and ``$HOME/.cache``, less the test cache and dconf.

    dconf is the desktop settings store that every GLib program of this user updates (any Chromium
    on the machine does), whatever edgekit runs.
    """
    cache = Path.home() / ".cache"
    return Watch([workspace.root, REPO_ROOT, cache],
                 skip=[Path(os.environ["EDGEKIT_CACHE_DIR"]), cache / "dconf"])


def run_surface(name: str, cases: list[Case], workspace: Workspace, monkeypatch: pytest.MonkeyPatch,
                minimum: int) -> Tally:
    """Run CASES in one TMPDIR batch; fail listing every broken promise, or with fewer than MINIMUM."""
    tally = Tally()
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    watch = _watch(workspace)
    with fresh_tmpdir(workspace.tmp, monkeypatch) as folder:
        for case in cases:
            run_case(tally, case, watch)
        check_batch(tally, name, folder)
    print(tally.summary(name))
    TOTAL.add(tally)
    assert tally.cases >= minimum, tally.summary(name)
    assert not tally.broken, "\n".join([tally.summary(name), *tally.broken[:40]])
    return tally


def document_outputs(path: Path) -> tuple[Path, Path]:
    """A result document named as an output, and the arrays sidecar it writes beside itself."""
    return path, path.with_name(path.stem + ".arrays.npz")


def unchanged(path: Path, content: bytes) -> Callable[[], str | None]:
    """A check that PATH is still the regular file holding CONTENT."""

    def check() -> str | None:
        if path.is_symlink() or not path.is_file() or path.read_bytes() != content:
            return f"{path} was changed"
        return None

    return check


def html_is_inert(path: Path) -> Callable[[], str | None]:
    """A check that the page at PATH (when written) holds the report's own elements only, and its CSP."""

    def check() -> str | None:
        if not path.exists():
            return None
        from edgekit.text.escape.html import CONTENT_SECURITY_POLICY
        from tests.security.test_generated_text import _REPORT_TAGS, _parse_html

        page = _parse_html(path.read_text(encoding="utf-8"))
        foreign = {tag for tag, _ in page.tags} - _REPORT_TAGS
        handlers = [name for _, attributes in page.tags for name in attributes if name.startswith("on")]
        policy = [a for tag, a in page.tags if tag == "meta" and a.get("http-equiv")]
        if foreign or handlers:
            return f"{path.name} holds live markup: {sorted(foreign)} {handlers}"
        if policy != [{"http-equiv": "Content-Security-Policy", "content": CONTENT_SECURITY_POLICY}]:
            return f"{path.name} lacks its Content-Security-Policy: {policy}"
        return None

    return check
