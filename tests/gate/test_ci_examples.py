"""The CI examples work for the runners they target: every step, as far as it can run here.

Each example's job runs against this checkout, step by step, in order:

- the checkout step: a clone of a repository holding the model (the ``clone`` fixture), with the
  README's configuration and golden file (recorded with the README's own command);
- ``setup-python`` / the ``python:3.11`` image: a fresh virtual environment of this interpreter,
  without system site-packages, first on ``PATH``;
- the install step runs verbatim, with ``$EDGEKIT_GIT`` pointed at a git repository made from this
  checkout's files and tagged ``v$EDGEKIT_VERSION`` (instead of edgekit's public repository), so pip
  builds edgekit-ml from git and fetches its dependencies from the package index as on a runner;
- ``apt-get`` steps are not run (no root here); each package they name must exist in this
  machine's apt lists (``apt-cache show``: Debian here, Ubuntu on GitHub's runners);
- cache steps are checked to hold edgekit's cache folder under a key naming the edgekit version;
- the gate step runs verbatim with the environment's ``edgekit``. Its latency check keeps the
  MAC-ratio stand-in of ``stand_ins.py`` (installed into that one process by a ``sitecustomize``
  on ``PYTHONPATH``): a real decision between two identical models took 118 s here and came out
  inconclusive on a loaded machine. Every other check runs for real;
- the artifact steps: every file they upload must exist afterwards.

Both files are also validated against GitHub's workflow schema and GitLab's CI schema, which ship
inside check-jsonschema (no network).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import string
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from edgekit import zoo
from edgekit.version import __version__
from tests.gate import ci_examples
from tests.gate.ci_examples import GITHUB, GITLAB, REPO, Job

STAND_INS = Path(__file__).with_name("stand_ins.py")
_SITECUSTOMIZE = f'''"""Latency stand-in for the ``edgekit`` command only (tests/gate/test_ci_examples.py)."""
import sys
from pathlib import Path

if Path(sys.argv[0]).name == "edgekit":
    import importlib.util
    import types

    spec = importlib.util.spec_from_file_location("edgekit_test_stand_ins", {str(STAND_INS)!r})
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.install_stand_ins(types.SimpleNamespace(setattr=setattr))
'''


def _project() -> dict:
    try:
        import tomllib
    except ImportError:  # Python 3.10: edgekit depends on tomli there
        import tomli as tomllib
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pip_requirements(command: str) -> list[str]:
    """The requirements a ``pip install`` names (options and their values left out)."""
    words = shlex.split(command)
    if "pip" not in words or "install" not in words:
        return []
    return [w for w in words[words.index("install") + 1 :] if not w.startswith("-")]


@pytest.mark.parametrize("path, schema", [(GITHUB, "vendor.github-workflows"), (GITLAB, "vendor.gitlab-ci")])
def test_the_examples_pass_their_runners_schemas(path, schema):
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.skip("check-jsonschema is not installed (the test extra has it: pip install -e '.[test]')")
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


JOBS = pytest.mark.parametrize("job", [ci_examples.github_job(), ci_examples.gitlab_job()],
                               ids=["github", "gitlab"])


@JOBS
def test_the_examples_install_edgekit_ml_at_this_version(job: Job):
    project = _project()
    installs = [command for command in job.commands if _pip_requirements(command)]
    assert installs, "no pip install step"
    names = [re.split(r"[\s@=<>!~\[;]", r, maxsplit=1)[0] for c in installs for r in _pip_requirements(c)]
    assert [_normalized(name) for name in names] == [_normalized(project["name"])]
    assert "edgekit" not in map(_normalized, names)  # the index's edgekit is another project
    assert job.env["EDGEKIT_VERSION"] == __version__  # bump the examples with the release


def test_the_examples_say_how_to_install_from_the_index():
    for path in (GITHUB, GITLAB):
        assert 'python -m pip install "edgekit-ml==${EDGEKIT_VERSION}"' in path.read_text(encoding="utf-8")


def test_the_caches_hold_edgekits_cache_keyed_on_its_version(monkeypatch, tmp_path):
    for variable in ("EDGEKIT_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))

    github = ci_examples.github_job()
    cache = github.action("actions/cache")
    assert Path(os.path.expanduser(cache.inputs["path"])) == zoo.cache_dir()
    assert "${{ env.EDGEKIT_VERSION }}" in cache.inputs["key"]
    gate = next(i for i, step in enumerate(github.steps) if step.command and "edgekit gate" in step.command)
    assert github.steps.index(cache) < gate

    job = ci_examples.load(GITLAB)["model-gate"]
    (folder,) = job["cache"]["paths"]  # GitLab caches folders inside the project only
    assert job["variables"]["EDGEKIT_CACHE_DIR"] == f"$CI_PROJECT_DIR/{folder}"
    assert "$EDGEKIT_VERSION" in job["cache"]["key"]


@pytest.mark.parametrize("job, needed", [(ci_examples.github_job(), {"valgrind"}),
                                         (ci_examples.gitlab_job(), {"npm", "valgrind"})],
                         ids=["github", "gitlab"])
def test_the_apt_steps_name_packages_that_exist(job: Job, needed: set[str]):
    """GitHub's Ubuntu runners bring npm; GitLab's python image does not. valgrind: ``instructions``."""
    if shutil.which("apt-cache") is None:
        pytest.skip("no apt-cache on this machine to look the packages up in")
    apt = [(i, packages) for i, c in enumerate(job.commands) if (packages := ci_examples.apt_packages(c))]
    assert needed <= {package for _, packages in apt for package in packages}
    gate = next(i for i, command in enumerate(job.commands) if "edgekit gate" in command)
    assert all(i < gate for i, _ in apt)
    named = sorted({package for _, packages in apt for package in packages})
    shown = subprocess.run(["apt-cache", "show", "--no-all-versions", *named], capture_output=True, text=True,
                           check=False).stdout  # exits 0 while any one of them is found: read what it shows
    unknown = [name for name in named if f"Package: {name}\n" not in shown]
    assert not unknown, f"apt-cache show knows no package {unknown}"


def _checkout_as_git_repository(destination: Path, tag: str) -> str:
    """This checkout's files (tracked and new, not ignored) committed and tagged in DESTINATION: its URL.

    What ``pip install "edgekit-ml @ git+URL@TAG"`` clones on a runner, with uncommitted changes too.
    The URL names ``localhost`` because pip's parser refuses a ``git+file:///`` URL with ``@TAG``.
    """
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():  # a tracked file deleted in the working tree is left out
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, destination / name)
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "checkout"], ["tag", tag]):
        subprocess.run(["git", *identity, *args], cwd=destination, check=True, capture_output=True)
    return f"file://localhost{destination}"


def _environment(
    tmp_path: Path, job: Job, runner: dict[str, str], edgekit_git: str
) -> tuple[dict[str, str], Path]:
    """The job's shell environment: a fresh venv first on PATH, the RUNNER's and the file's variables.

    The checkout is not on sys.path: ``import edgekit`` can only find the venv's own.
    """
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(runner)
    env.update(PATH=f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}", VIRTUAL_ENV=str(env_dir),
               PYTHONPATH=str(site))
    for name, value in job.env.items():
        env[name] = string.Template(value).safe_substitute(env)
    env["EDGEKIT_GIT"] = edgekit_git
    return env, env_dir


@pytest.mark.slow
@pytest.mark.parametrize("which", ["github", "gitlab"])
def test_the_example_jobs_run_in_a_fresh_environment(which, clone, tmp_path):
    job = ci_examples.github_job() if which == "github" else ci_examples.gitlab_job()
    source = tmp_path / "edgekit-source"
    source.mkdir()
    url = _checkout_as_git_repository(source, f"v{job.env['EDGEKIT_VERSION']}")
    runner = ({"GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "GITHUB_WORKSPACE": str(clone)}
              if which == "github" else {"CI_PROJECT_DIR": str(clone)})
    env, env_dir = _environment(tmp_path, job, runner, url)
    (config,) = ci_examples.readme_blocks("toml")
    (clone / "edgekit.toml").write_text(config, encoding="utf-8")

    def shell(command: str) -> None:
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", command], cwd=clone, env=env,
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"

    for command in job.commands:
        if ci_examples.apt_packages(command):
            continue  # test_the_apt_steps_name_packages_that_exist
        if "edgekit gate" in command:  # the committed golden file the README's gate section records
            for readme_command in ci_examples.readme_commands():
                if "--record" in readme_command:
                    shell(readme_command)
        shell(command)

    probe = "import edgekit, importlib.metadata as m; print(edgekit.__file__); print(m.version('edgekit-ml'))"
    where, version = subprocess.run([str(env_dir / "bin" / "python"), "-c", probe], cwd=clone, env=env,
                                    capture_output=True, text=True, check=True).stdout.split()
    assert Path(where).is_relative_to(env_dir) and version == __version__  # the version pyproject reads
    assert shutil.which("edgekit", path=env["PATH"]) == str(env_dir / "bin" / "edgekit")

    if which == "github":
        (upload,) = [step for step in job.steps if (step.action or "").startswith("actions/upload-artifact")]
        uploaded = upload.inputs["path"].split()
        assert "| pose | latency cpu x1 | ✅ pass |" in Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    else:
        artifacts = ci_examples.load(GITLAB)["model-gate"]["artifacts"]
        uploaded = [*artifacts["paths"], artifacts["reports"]["junit"]]
    missing = [name for name in uploaded if not (clone / name).is_file()]
    assert uploaded and not missing, f"{missing} not written; the project holds {sorted(os.listdir(clone))}"
    assert "stand-in" in (clone / "gate.json").read_text()  # the sitecustomize reached the venv's edgekit
    table = (clone / "gate.md").read_text()
    for check in ("size", "ops", "macs", "custom ops", "coverage gpu", "accuracy", "latency cpu x1"):
        assert f"| pose | {check} | ✅ pass |" in table
