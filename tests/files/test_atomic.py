"""edgekit.files.atomic: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pytest

from edgekit.files import atomic


def test_open_output_publishes_a_readable_file_only_when_the_block_succeeds(tmp_path: Path):
    target = tmp_path / "model.tflite"
    with atomic.open_output(target) as stream:
        stream.write(b"new")
        assert not target.exists()  # nothing visible until the block ends
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["model.tflite"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path):
    target = tmp_path / "result.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic.open_output(target) as stream:
        stream.write(b"half")
        raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_write_text_and_write_npz(tmp_path: Path):
    assert atomic.write_text(tmp_path / "a.json", "é").read_bytes() == "é".encode()
    path = atomic.write_npz(tmp_path / "a.npz", {"x": np.arange(3)}, compressed=False)
    with np.load(path) as archive:
        assert archive["x"].tolist() == [0, 1, 2]


def test_publish_directory_replaces_a_folder_whole(tmp_path: Path):
    dest, staging = tmp_path / "seq128", tmp_path / ".staging"
    dest.mkdir()
    (dest / "old.txt").write_text("old", encoding="utf-8")
    staging.mkdir()
    (staging / "new.txt").write_text("new", encoding="utf-8")
    atomic.publish_directory(staging, dest)
    assert [p.name for p in dest.iterdir()] == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seq128"]
