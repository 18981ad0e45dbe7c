"""The browser runtimes: the versions the web apps pin, fetched once, pinned by sha256, extracted safely.

The tarballs come from the test cache (``npm/``, shared with zoo models); extraction is tested in a
fresh cache folder that gets a copy of them, so nothing here needs the network once the cache is filled.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from edgekit.browser import runtimes
from edgekit.errors import ToolMissing, ZooError
from edgekit.files.datafiles import load_json


def test_runtime_versions_are_the_ones_the_web_apps_pin():
    pins = load_json("edgekit.scaffold", "data/web_versions.json")
    packages = {p.name: p.version for p in runtimes.packages()}
    for group in ("tfjs-tflite", "tfjs"):
        for name, version in pins[group].items():
            if name in packages:
                assert packages[name] == version, name
    for name in ("@tensorflow/tfjs-tflite", "@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-cpu",
                 "@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm"):
        assert name in packages, name
    # The apps do not use WebGPU; its backend is pinned to the @tensorflow/tfjs family's version.
    assert packages["@tensorflow/tfjs-backend-webgpu"] == packages["@tensorflow/tfjs"]


@pytest.mark.parametrize("name, backend", [("tflite", "wasm"), ("tfjs", "wasm"), ("tfjs", "webgl"),
                                           ("tfjs", "webgpu")])
def test_every_script_and_wasm_folder_the_page_loads_is_a_pinned_file(name, backend):
    runtime = runtimes.runtime(name)
    pinned = {f"{p.name}/{member}" for p in runtime.packages_for(backend) for member, _ in p.files}
    assert set(runtime.scripts_for(backend)) <= pinned
    if backend == "wasm":
        assert any(path.startswith(runtime.wasm_dir) and path.endswith(".wasm") for path in pinned)


@pytest.fixture
def runtime_cache(zoo_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache holding only copies of the runtime tarballs (fetched into the test cache once)."""
    with monkeypatch.context() as patch:
        patch.setenv("npm_config_fetch_retries", "0")
        try:
            for name, backend in (("tflite", "wasm"), ("tfjs", "wasm"), ("tfjs", "webgpu")):
                runtimes.runtime_files(name, backend)  # fills the test cache's npm/ once
        except (ToolMissing, ZooError) as exc:
            pytest.fail(f"the browser runtimes are not in the test cache and could not be fetched: {exc}",
                        pytrace=False)
    fresh = tmp_path / "cache"
    (fresh / "npm").mkdir(parents=True)
    for tarball in (zoo_cache / "npm").glob("tensorflow-*.tgz"):
        shutil.copyfile(tarball, fresh / "npm" / tarball.name)
    monkeypatch.setenv("EDGEKIT_CACHE_DIR", str(fresh))
    return fresh


def test_files_are_extracted_verified_and_then_served_from_the_cache(runtime_cache, monkeypatch):
    assert runtimes.missing_packages("tflite", "wasm")
    monkeypatch.setenv("PATH", "")  # no npm: the tarballs in the cache must be enough
    files = runtimes.runtime_files("tflite", "wasm")
    assert "@tensorflow/tfjs-tflite/wasm/tflite_web_api_cc_simd_threaded.wasm" in files
    assert all(path.is_file() and runtime_cache in path.parents for path in files.values())
    assert not runtimes.missing_packages("tflite", "wasm")


def test_an_edited_runtime_file_is_extracted_again(runtime_cache):
    files = runtimes.runtime_files("tflite", "wasm")
    script = files["@tensorflow/tfjs-tflite/dist/tf-tflite.min.js"]
    original = script.read_bytes()
    script.write_bytes(b"window.pwned = true;")
    assert runtimes.missing_packages("tflite", "wasm")
    runtimes.runtime_files("tflite", "wasm")
    assert script.read_bytes() == original


def test_a_tarball_that_does_not_match_its_pin_is_refused(runtime_cache):
    tarball = runtime_cache / "npm" / "tensorflow-tfjs-core-4.9.0.tgz"
    tarball.write_bytes(tarball.read_bytes()[:-10] + bytes(10))
    with pytest.raises(ZooError, match="sha256 mismatch"):
        runtimes.runtime_files("tflite", "wasm")


def test_without_npm_and_cache_the_fetch_names_the_install_line(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEKIT_CACHE_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ToolMissing, match="apt-get install -y npm"):
        runtimes.runtime_files("tfjs", "webgl")
