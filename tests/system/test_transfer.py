"""Counting what another program downloads: a folder watched while it grows, reported as it goes."""

from __future__ import annotations

import time

from edgekit.system import transfer
from edgekit.system.transfer import FolderWatch, folder_bytes, megabytes, reporter


def test_folder_bytes_counts_every_file_below_and_nothing_when_missing(tmp_path):
    assert folder_bytes(tmp_path / "not-yet") == 0
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one").write_bytes(b"x" * 10)
    (tmp_path / "two").write_bytes(b"y" * 5)
    assert folder_bytes(tmp_path) == 15


def test_the_watch_reports_while_the_folder_grows_and_once_at_the_end(tmp_path):
    seen: list[int] = []
    folder = tmp_path / "cache"
    with FolderWatch(folder, seen.append, interval_s=0.01):
        folder.mkdir()
        for k in range(5):
            (folder / f"part{k}").write_bytes(b"z" * 1000)
            time.sleep(0.03)
    assert seen[-1] == 5000 and len(seen) >= 3
    assert seen == sorted(seen)


def test_a_plain_log_gets_a_line_every_few_seconds(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(transfer.time, "monotonic", lambda: clock[0])
    lines: list[str] = []
    report = reporter(lines.append, "fetching pkg@1", 144_509_169)
    report(1_000_000)  # too soon after the start: nothing
    clock[0] += transfer.LINE_S
    report(52_100_000)
    report(60_000_000)  # too soon after that line
    assert lines == ["fetching pkg@1: 52.1 MB of 144.5 MB (36%)"]
    report(144_600_000)  # complete (npm's cache holds a little more than the tarball): said at once,
    report(144_600_000)  # and once
    assert lines[1:] == ["fetching pkg@1: 144.5 MB of 144.5 MB (100%)"]
    unknown = reporter(lines.append, "fetching x", 0)
    clock[0] += transfer.LINE_S
    unknown(2_000_000)
    assert lines[-1] == "fetching x: 2.0 MB"


def test_a_live_log_gets_every_count():
    updates = []

    class Live:
        def __call__(self, message: str) -> None:
            raise AssertionError("a live log takes counts, not lines")

        def transfer(self, what: str, done: int, total: int) -> None:
            updates.append((what, done, total))

    report = reporter(Live(), "fetching pkg@1", 10)
    report(3)
    report(10)
    assert updates == [("fetching pkg@1", 3, 10), ("fetching pkg@1", 10, 10)]
    assert megabytes(144_509_169) == "144.5 MB"


def test_activity_log_reports_a_transfer_as_plain_lines_off_a_terminal(monkeypatch):
    import io

    from edgekit.report.progress import ActivityLog

    clock = [0.0]
    monkeypatch.setattr(transfer.time, "monotonic", lambda: clock[0])
    stream = io.StringIO()
    log = ActivityLog(stream, live=False)
    log.transfer("fetching pkg@1", 1_000_000, 4_000_000)
    clock[0] += transfer.LINE_S
    log.transfer("fetching pkg@1", 2_000_000, 4_000_000)
    assert stream.getvalue() == "fetching pkg@1: 2.0 MB of 4.0 MB (50%)\n"
    # On a terminal the same counts drive a bar, which goes when the fetch is complete.
    live = ActivityLog(io.StringIO(), live=True)
    live.transfer("fetching pkg@1", 1, 2)
    assert live._transfer is not None
    live.transfer("fetching pkg@1", 2, 2)
    assert live._transfer is None
    live.close()
