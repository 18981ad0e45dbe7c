"""Hostile gate configs: TOML types, depth, sizes, unknown keys, special files, outputs, ``git:`` refs.

Each config is the gate's input, so every case runs ``edgekit gate`` on it (in process, or in a
child process with a timeout where a reader could block) and is judged by :mod:`tests.fuzz.harness`.
The ``git:`` cases point refs and paths at options, shells, trees, other repositories and the
canary folder: nothing may be written, and each must be refused naming the key.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.fuzz import forge
from tests.fuzz.harness import Case
from tests.fuzz.surfaces import REFUSED, Workspace, run_surface

pytestmark = pytest.mark.slow


MODEL = 'model = "model.tflite"\n'
BASELINE = MODEL + 'baseline = "twin.tflite"\n'


def _table(model_lines: str = MODEL, checks: str = "size = { max_bytes = 100000 }\n", head: str = "") -> str:
    return f"{head}[models.m]\n{model_lines}\n[models.m.checks]\n{checks}"


def _accuracy(options: str) -> str:
    return _table(checks=f'accuracy = {{ golden = "golden.npz", {options} }}\n')


#: (label, TOML text, exit codes allowed, words the error line must hold)
CONFIG_TEXTS: list[tuple[str, str, tuple[int, ...], tuple[str, ...]]] = [
    # wrong types
    ("model-int", _table("model = 1\n"), REFUSED, ("models.m.model",)),
    ("model-list", _table("model = []\n"), REFUSED, ("models.m.model",)),
    ("model-table", _table("model = { a = 1 }\n"), REFUSED, ("models.m.model",)),
    ("model-empty", _table('model = ""\n'), REFUSED, ()),
    ("model-nul", _table('model = "model.tflite\\u0000x"\n'), REFUSED, ()),
    ("model-tilde", _table('model = "~/model.tflite"\n'), REFUSED, ()),
    ("model-url", _table('model = "https://example.org/m.tflite"\n'), REFUSED, ()),
    ("model-dash", _table('model = "-rf"\n'), REFUSED, ()),
    ("model-long", _table(f'model = "{"m" * 300_000}.tflite"\n'), REFUSED, ()),
    ("model-etc-passwd", _table('model = "/etc/passwd"\n'), REFUSED, ()),
    ("model-is-folder", _table('model = "evil:"\n'), REFUSED, ()),
    ("baseline-int", _table(MODEL + "baseline = 3\n"), REFUSED, ("models.m.baseline",)),
    ("baseline-empty", _table(MODEL + 'baseline = ""\n'), REFUSED, ()),
    ("baseline-nul", _table(MODEL + 'baseline = "twin.tflite\\u0000"\n',
                            'size = { max_growth = "5%" }\n'), REFUSED, ()),
    ("delegates-string", _table(MODEL + 'delegates = "cpu"\n'), REFUSED, ("models.m.delegates",)),
    ("delegates-empty", _table(MODEL + "delegates = []\n"), REFUSED, ("models.m.delegates",)),
    ("delegates-blank", _table(MODEL + 'delegates = ["", ""]\n'), REFUSED, ("models.m.delegates",)),
    ("delegates-unknown", _table(MODEL + 'delegates = ["cpu", "tpu9"]\n'), REFUSED, ("models.m.delegates",)),
    ("threads-string", _table(MODEL + 'threads = "1"\n'), REFUSED, ("models.m.threads",)),
    ("threads-float", _table(MODEL + "threads = [1.5]\n"), REFUSED, ("models.m.threads",)),
    ("threads-bool", _table(MODEL + "threads = [true]\n"), REFUSED, ("models.m.threads",)),
    ("threads-zero", _table(MODEL + "threads = [0]\n"), REFUSED, ("models.m.threads",)),
    ("threads-negative", _table(MODEL + "threads = [-1]\n"), REFUSED, ("models.m.threads",)),
    ("threads-300", _table(MODEL + "threads = [300]\n"), REFUSED, ("models.m.threads",)),
    ("threads-inf", _table(MODEL + "threads = [inf]\n"), REFUSED, ("models.m.threads",)),
    ("threads-nan", _table(MODEL + "threads = [nan]\n"), REFUSED, ("models.m.threads",)),
    ("threads-int64-max", _table(MODEL + "threads = [9223372036854775807]\n"), REFUSED,
     ("models.m.threads",)),
    ("threads-empty", _table(MODEL + "threads = []\n"), REFUSED, ("models.m.threads",)),
    ("threads-20000", _table(MODEL + f"threads = [{', '.join(['1'] * 20_000)}]\n"), (0, 2), ()),
    ("seed-negative", _table(MODEL + "seed = -1\n"), REFUSED, ("models.m.seed",)),
    ("seed-float", _table(MODEL + "seed = 1.5\n"), REFUSED, ("models.m.seed",)),
    ("seed-string", _table(MODEL + 'seed = "0"\n'), REFUSED, ("models.m.seed",)),
    ("seed-int64-max", _table(MODEL + "seed = 9223372036854775807\n"), (0, 2), ()),
    ("checks-int", _table(checks="").replace("[models.m.checks]\n", "checks = 1\n"), REFUSED, ()),
    ("checks-empty", _table(checks=""), (0, 2), ()),
    ("size-string", _table(checks='size = "x"\n'), REFUSED, ("models.m.checks.size",)),
    ("size-empty", _table(checks="size = {}\n"), REFUSED, ("models.m.checks.size",)),
    ("size-growth-negative", _table(BASELINE, 'size = { max_growth = "-5%" }\n'),
     REFUSED, ("max_growth",)),
    ("size-growth-nan", _table(BASELINE, 'size = { max_growth = "nan%" }\n'),
     REFUSED, ("max_growth",)),
    ("size-growth-inf", _table(BASELINE, 'size = { max_growth = "inf%" }\n'),
     REFUSED, ("max_growth",)),
    ("size-growth-1e308", _table(BASELINE, 'size = { max_growth = "1e308%" }\n'),
     (0, 2), ()),
    ("size-growth-number", _table(BASELINE, "size = { max_growth = 5 }\n"),
     REFUSED, ("max_growth",)),
    ("size-growth-no-baseline", _table(checks='size = { max_growth = "5%" }\n'), REFUSED, ()),
    ("size-bytes-negative", _table(checks="size = { max_bytes = -1 }\n"), REFUSED, ("max_bytes",)),
    ("size-bytes-zero", _table(checks="size = { max_bytes = 0 }\n"), REFUSED, ("max_bytes",)),
    ("size-bytes-float", _table(checks="size = { max_bytes = 1e308 }\n"), REFUSED, ("max_bytes",)),
    ("size-bytes-int64", _table(checks="size = { max_bytes = 9223372036854775807 }\n"), (0,), ()),
    ("size-unknown-key", _table(checks="size = { max_bytes = 1, extra = 2 }\n"), REFUSED, ("extra",)),
    ("ops-negative", _table(checks="ops = { max = -1 }\n"), REFUSED, ("models.m.checks.ops",)),
    ("latency-confidence-nan", _table(BASELINE, "latency = { confidence = nan }\n"), REFUSED,
     ("confidence",)),
    ("latency-confidence-1", _table(BASELINE, "latency = { confidence = 1.0 }\n"), REFUSED, ("confidence",)),
    ("latency-seconds-inf", _table(BASELINE, "latency = { max_seconds = inf }\n"),
     REFUSED, ("max_seconds",)),
    ("latency-seconds-1e308", _table(BASELINE,
                                     "latency = { max_seconds = 1e308 }\n"), REFUSED, ("max_seconds",)),
    ("latency-seconds-negative", _table(BASELINE,
                                        "latency = { max_seconds = -1 }\n"), REFUSED, ("max_seconds",)),
    ("latency-seconds-tiny", _table(BASELINE,
                                    "latency = { max_seconds = 1e-300 }\n"), REFUSED, ("max_seconds",)),
    ("latency-rounds-negative", _table(BASELINE,
                                       "latency = { min_rounds = -1 }\n"), REFUSED, ("min_rounds",)),
    ("latency-confirm-string", _table(BASELINE, 'latency = { confirm = "yes" }\n'), REFUSED, ("confirm",)),
    ("latency-slowdown-empty", _table(BASELINE,
                                      'latency = { max_slowdown = "" }\n'), REFUSED, ("max_slowdown",)),
    ("latency-no-baseline", _table(checks="latency = {}\n"), REFUSED, ()),
    ("accuracy-golden-int", _table(checks="accuracy = { golden = 1 }\n"), REFUSED, ("golden",)),
    ("accuracy-golden-empty", _table(checks='accuracy = { golden = "" }\n'), REFUSED, ("golden",)),
    ("accuracy-golden-nul", _table(checks='accuracy = { golden = "golden.npz\\u0000" }\n'), REFUSED, ()),
    ("accuracy-tolerance-nan", _accuracy('tolerance = "cosine=nan"'), REFUSED, ("tolerance",)),
    ("accuracy-tolerance-junk", _accuracy('tolerance = "junk"'), REFUSED, ("tolerance",)),
    ("accuracy-normalize-reversed", _accuracy("normalize = [1, 0]"), REFUSED, ("normalize",)),
    ("accuracy-normalize-nan", _accuracy("normalize = [nan, 1]"), REFUSED, ("normalize",)),
    ("accuracy-normalize-huge", _accuracy("normalize = [-1e308, 1e308]"), (0, 1, 2), ()),
    ("accuracy-role-nonsense", _accuracy('output_roles = { output = "nonsense" }'), REFUSED, ()),
    ("accuracy-role-keypoints-0x0", _accuracy('output_roles = { output = "keypoints:0x0" }'), REFUSED, ()),
    ("accuracy-roles-int", _accuracy("output_roles = 5"), REFUSED, ("output_roles",)),
    ("coverage-int", _table(checks="coverage = { gpu = 1 }\n"), REFUSED, ("coverage",)),
    ("coverage-unknown-delegate", _table(checks="coverage = { nope = { fully_mapped = true } }\n"), REFUSED,
     ()),
    ("coverage-negative", _table(checks="coverage = { cpu = { min_mapped_ops = -1 } }\n"), REFUSED, ()),
    ("instructions-repetitions", _table(BASELINE,
                                        'instructions = { max_growth = "2%", repetitions = -1 }\n'),
     REFUSED, ("repetitions",)),
    ("instructions-timeout-inf", _table(BASELINE,
                                        'instructions = { max_growth = "2%", timeout_s = inf }\n'),
     REFUSED, ("timeout_s",)),
    ("budget-negative", _table(checks='latency_budget = { p50_ms = -1, device_class = "x" }\n'), REFUSED, ()),
    ("budget-nan", _table(checks='latency_budget = { p50_ms = nan, device_class = "x" }\n'), REFUSED, ()),
    ("custom-ops-string", _table(checks='custom_ops = { allowed = "x" }\n'), REFUSED, ("allowed",)),
    # unknown keys, wrong tables
    ("gate-unknown", _table(head="[gate]\nfoo = 1\n\n"), REFUSED, ("gate.foo",)),
    ("model-unknown", _table(MODEL + "foo = 1\n"), REFUSED, ("models.m.foo",)),
    ("check-unknown", _table(checks="nope = {}\n"), REFUSED, ("models.m.checks.nope",)),
    ("top-unknown", _table(head="foo = 1\n"), REFUSED, ("foo",)),
    ("inconclusive-maybe", _table(head='[gate]\ninconclusive = "maybe"\n\n'), REFUSED, ("inconclusive",)),
    ("runtime-mismatch-int", _table(head="[gate]\nruntime_mismatch = 1\n\n"), REFUSED, ("runtime_mismatch",)),
    ("gate-not-table", _table(head='gate = "x"\n'), REFUSED, ("gate",)),
    ("models-int", "models = 1\n", REFUSED, ("models",)),
    ("models-empty", "[models]\n", REFUSED, ("models",)),
    ("model-table-int", "[models]\nm = 1\n", REFUSED, ("models.m",)),
    ("empty-file", "", REFUSED, ()),
    ("hostile-table-name", '[models."<script>alert(1)</script>\\n## x|y"]\n' + MODEL
     + '\n[models."<script>alert(1)</script>\\n## x|y".checks]\nsize = { max_bytes = 100000 }\n', (0,), ()),
    # syntax, encodings, depth, size
    ("syntax", "[models.m\n", REFUSED, ()),
    ("duplicate-key", _table('model = "a"\nmodel = "b"\n'), REFUSED, ()),
    ("bom", "\ufeff" + _table(), (0, 2), ()),
    ("arrays-33-deep", "a = " + forge.deep(33) + "\n", REFUSED, ("deep",)),
    ("arrays-32-deep", "a = " + forge.deep(31) + "\n" + _table(), REFUSED, ()),
    ("arrays-100k-deep", "a = " + forge.deep(100_000) + "\n", REFUSED, ("deep",)),
    ("inline-tables-3k-deep", "a = " + forge.deep(3_000, "{b=", "}", "1") + "\n", REFUSED, ("deep",)),
    ("dotted-key-5k-deep", ".".join(["a"] * 5_000) + " = 1\n", REFUSED, ()),
    ("table-header-5k-deep", "[" + ".".join(["a"] * 5_000) + "]\n", REFUSED, ()),
    ("array-of-tables-20k", "[[a]]\n" * 20_000, REFUSED, ()),
    ("string-900k", f'x = "{"s" * 900_000}"\n', REFUSED, ()),
    ("integer-5000-digits", "a = 1" + "0" * 5_000 + "\n", REFUSED, ()),
    ("float-overflow", _table(checks="size = { max_bytes = 1e400 }\n"), REFUSED, ()),
    ("models-2000", "".join(f'[models.m{i}]\n{MODEL}[models.m{i}.checks]\nops = {{ max = 99 }}\n'
                            for i in range(2000)), (0,), ()),
]


def _config_cases(workspace: Workspace) -> list[Case]:
    project = workspace.project
    cases = []
    for label, text, expect, words in CONFIG_TEXTS:
        name = workspace.name(label, ".toml")
        (project / name).write_text(text, encoding="utf-8")
        cases.append(Case(f"config/{label}", ["gate", "--config", name, "--quiet"], cwd=project,
                          expect=expect, words=words))
    raw = {
        "invalid-utf8": b"[models.m]\nmodel = \"\xff\xfe\"\n",
        "nul-bytes": b"[models.m]\x00\nmodel = \"model.tflite\"\n",
        "two-mib": b"#" * (2 << 20),
    }
    for label, data in raw.items():
        name = workspace.name(label, ".toml")
        (project / name).write_bytes(data)
        cases.append(Case(f"config/{label}", ["gate", "--config", name, "--quiet"], cwd=project,
                          expect=REFUSED))
    sparse = forge.sparse_file(project / workspace.name("sparse-3gb", ".toml"), 3 << 30)
    folder = project / workspace.name("folder", ".toml")
    folder.mkdir()
    fifo = forge.fifo(project / workspace.name("fifo", ".toml"))
    pyproject_int = workspace.root / "pyproject-int"
    pyproject_int.mkdir()
    (pyproject_int / "pyproject.toml").write_text("[tool]\nedgekit = 1\n", encoding="utf-8")
    pyproject_str = workspace.root / "pyproject-str"
    pyproject_str.mkdir()
    (pyproject_str / "pyproject.toml").write_text('tool = "edgekit"\n[x]\ny = "tool.edgekit"\n',
                                                  encoding="utf-8")
    empty = workspace.root / "no-config"
    empty.mkdir()
    plain = workspace.name("plain", ".toml")
    (project / plain).write_text(_table(), encoding="utf-8")
    fifo_model = forge.fifo(project / workspace.name("fifo-model", ".tflite"))
    for label, model in (("model-fifo", fifo_model.name), ("model-dev-zero", "/dev/zero"),
                         ("model-dev-urandom", "/dev/urandom")):
        name = workspace.name(label, ".toml")
        (project / name).write_text(_table(f'model = "{model}"\n'), encoding="utf-8")
        cases.append(Case(f"config/{label}", ["gate", "--config", name, "--quiet"], cwd=project,
                          isolated=True, expect=REFUSED))
    summary_fifo = forge.fifo(workspace.root / workspace.name("summary-fifo"))
    cases += [
        Case("config/sparse-3gb", ["gate", "--config", sparse.name, "--quiet"], cwd=project, expect=REFUSED,
             words=("limit",)),
        Case("config/folder", ["gate", "--config", folder.name], cwd=project, expect=REFUSED,
             words=("directory",)),
        Case("config/fifo", ["gate", "--config", fifo.name], cwd=project, isolated=True, expect=REFUSED,
             words=("FIFO",)),
        *[Case(f"config/{device}", ["gate", "--config", device], cwd=project, isolated=True, expect=REFUSED)
          for device in ("/dev/zero", "/dev/stdin", "/proc/self/environ")],
        Case("config/pyproject-edgekit-int", ["gate", "--quiet"], cwd=pyproject_int, expect=REFUSED),
        Case("config/pyproject-string", ["gate", "--config", "pyproject.toml"], cwd=pyproject_str,
             expect=REFUSED),
        Case("config/none-here", ["gate"], cwd=empty, expect=REFUSED),
        Case("config/only-empty", ["gate", "--config", plain, "--only", ""], cwd=project, expect=REFUSED),
        Case("config/only-unknown", ["gate", "--config", plain, "--only", "<b>x\n"], cwd=project,
             expect=REFUSED),
        Case("config/summary-fifo", ["gate", "--config", plain, "--quiet"], cwd=project, isolated=True,
             env={"GITHUB_STEP_SUMMARY": str(summary_fifo)}, expect=(0,)),
        Case("config/summary-dev-full", ["gate", "--config", plain, "--quiet"], cwd=project, isolated=True,
             env={"GITHUB_STEP_SUMMARY": "/dev/full"}, expect=(0,)),
        Case("config/summary-folder", ["gate", "--config", plain, "--quiet"], cwd=project,
             env={"GITHUB_STEP_SUMMARY": str(workspace.canary)}, expect=(0,)),
        Case("config/summary-empty", ["gate", "--config", plain, "--quiet"], cwd=project,
             env={"GITHUB_STEP_SUMMARY": ""}, expect=(0,)),
    ]
    for option in ("--junit", "--markdown", "--json", "--pytest-benchmark-json"):
        cases += [
            Case(f"config/{option}-folder",
                 ["gate", "--config", plain, "--quiet", option, str(workspace.canary)], cwd=project,
                 expect=REFUSED),
            Case(f"config/{option}-proc", ["gate", "--config", plain, "--quiet", option, "/proc/x/y"],
                 cwd=project, expect=REFUSED),
        ]
    return cases


def test_gate_configs(workspace, monkeypatch):
    run_surface("gate configs", _config_cases(workspace), workspace, monkeypatch, minimum=100)




def _git_cases(workspace: Workspace) -> list[Case]:
    project = workspace.project
    canary = workspace.canary
    baselines: list[tuple[str, str, tuple[int, ...]]] = [
        ("option-output", f"git:--output={canary}/diff:model.tflite", REFUSED),
        ("option-evil-colon", "git:--output=evil:/../../x", REFUSED),
        ("option-c", "git:-c:model.tflite", REFUSED),
        ("option-p", "git:-p:model.tflite", REFUSED),
        ("option-exec", "git:--exec=touch pwned:model.tflite", REFUSED),
        ("empty-ref", "git::model.tflite", REFUSED),
        ("empty-path", "git:HEAD:", REFUSED),
        ("no-path", "git:HEAD", REFUSED),
        ("bare-prefix", "git:", REFUSED),
        ("dotdot", "git:HEAD:../outside.tflite", REFUSED),
        ("dotdot-inside", "git:HEAD:./sub/../../outside.tflite", REFUSED),
        ("absolute", "git:HEAD:/etc/passwd", REFUSED),
        ("dot-git-config", "git:HEAD:.git/config", REFUSED),
        ("newline-ref", "git:HEAD\n--output=x:model.tflite", REFUSED),
        ("nul-ref", "git:HEAD\x00:model.tflite", REFUSED),
        ("nul-path", "git:HEAD:model.tflite\x00x", REFUSED),
        ("shell-substitution", f"git:$(touch {canary}/pwned):model.tflite", REFUSED),
        ("backticks", "git:`touch pwned`:model.tflite", REFUSED),
        ("tree-ref", "git:HEAD^{tree}:model.tflite", REFUSED),
        ("previous-branch", "git:@{-1}:model.tflite", REFUSED),
        ("far-ancestor", "git:HEAD~99999:model.tflite", REFUSED),
        ("ref-dotdot", "git:refs/heads/../../x:model.tflite", REFUSED),
        ("range", "git:HEAD..HEAD:model.tflite", REFUSED),
        ("long-ref", "git:" + "A" * 100_000 + ":model.tflite", REFUSED),
        ("tree-path", "git:HEAD:evil:", REFUSED),
        ("not-a-model", "git:HEAD:evil:/f", REFUSED),
        ("committed-link-out", "git:HEAD:link.tflite", REFUSED),
        ("valid", "git:HEAD:model.tflite", (0,)),
    ]
    cases = []
    for label, baseline, expect in baselines:
        name = workspace.name(f"git-{label}", ".toml")
        text = _table(MODEL + f"baseline = {json.dumps(baseline)}\n", 'size = { max_growth = "50%" }\n')
        (project / name).write_text(text, encoding="utf-8")
        cases.append(Case(f"git/{label}", ["gate", "--config", name, "--quiet"], cwd=project, expect=expect))
    outside = workspace.root / "not-a-repository"
    outside.mkdir()
    shutil.copyfile(project / "model.tflite", outside / "model.tflite")
    (outside / "edgekit.toml").write_text(
        _table(MODEL + 'baseline = "git:HEAD:model.tflite"\n', 'size = { max_growth = "50%" }\n'))
    fake = workspace.root / "fake-git"
    fake.mkdir()
    shutil.copyfile(project / "model.tflite", fake / "model.tflite")
    (fake / ".git").write_text(f"gitdir: {workspace.canary}\n")
    (fake / "edgekit.toml").write_text((outside / "edgekit.toml").read_text())
    bare = workspace.root / "bare-looking"
    bare.mkdir()
    shutil.copyfile(project / "model.tflite", bare / "model.tflite")
    for part in ("objects", "refs"):
        (bare / part).mkdir()
    (bare / "HEAD").write_text("ref: refs/heads/main\n")
    (bare / "config").write_text(f"[core]\n\tbare = true\n\tfsmonitor = touch {workspace.canary}/pwned\n")
    (bare / "edgekit.toml").write_text((outside / "edgekit.toml").read_text())
    cases += [
        Case("git/not-a-repository", ["gate", "--quiet"], cwd=outside, expect=REFUSED),
        Case("git/dot-git-file-points-at-canary", ["gate", "--quiet"], cwd=fake, expect=REFUSED),
        Case("git/bare-repository-with-fsmonitor", ["gate", "--quiet"], cwd=bare, expect=REFUSED),
    ]
    return cases


def test_git_baselines(workspace, monkeypatch):
    run_surface("git baselines", _git_cases(workspace), workspace, monkeypatch, minimum=30)


