"""The Gradle launchers edgekit writes into Android projects, ``gradlew`` and ``gradlew.bat``: no wrapper jar.

``gradlew`` is run for real with ``sh`` against a local HTTP server. What it downloads is a test
double at the network boundary (services.gradle.org cannot be reached here): a small zip laid out
like a Gradle distribution whose ``bin/gradle`` prints its arguments. ``gradlew.bat`` cannot run
here (no Windows, no PowerShell), so it is checked statically.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import re
import shutil
import stat
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from edgekit.scaffold.render import render_tree, templates_dir

COMMON = templates_dir() / "android" / "_common"
GRADLEW = COMMON / "gradlew"
GRADLEW_BAT = COMMON / "gradlew.bat"


def fake_gradle_distribution_zip(path: Path, name: str = "gradle-fake") -> Path:
    """A test double for a Gradle distribution zip: ``NAME/bin/gradle`` (and ``.bat``) that echo their args.

    It stands in for ``gradle-X-bin.zip`` from services.gradle.org, which this machine cannot reach.
    """
    script = '#!/bin/sh\necho "fake gradle ran with: $*"\nfor arg in "$@"; do echo "arg<$arg>"; done\n'
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo(f"{name}/bin/gradle")
        info.external_attr = (stat.S_IFREG | 0o755) << 16
        archive.writestr(info, script)
        archive.writestr(f"{name}/bin/gradle.bat", "@echo fake gradle ran with: %*\r\n")
        archive.writestr(f"{name}/lib/placeholder.txt", "not a real Gradle\n")
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests: list[str]

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        self.requests.append(self.path)


@pytest.fixture()
def server(tmp_path) -> Iterator[tuple[str, Path, list[str]]]:
    """A local HTTP server over a folder: (base URL, the folder, the paths requested so far)."""
    root = tmp_path / "served"
    root.mkdir()
    requests: list[str] = []
    handler = type("Handler", (_QuietHandler,), {"requests": requests})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root, requests
    finally:
        httpd.shutdown()
        httpd.server_close()


def _project(tmp_path: Path, url: str, sha256: str | None) -> Path:
    """A project folder holding only gradlew and a gradle-wrapper.properties for URL."""
    project = tmp_path / "project"
    (project / "gradle/wrapper").mkdir(parents=True)
    shutil.copyfile(GRADLEW, project / "gradlew")
    escaped = url.replace(":", "\\:")
    lines = ["distributionBase=GRADLE_USER_HOME", "distributionPath=wrapper/dists",
             f"distributionUrl={escaped}", "zipStoreBase=GRADLE_USER_HOME", "zipStorePath=wrapper/dists"]
    if sha256 is not None:
        lines.append(f"distributionSha256Sum={sha256}")
    properties = project / "gradle/wrapper/gradle-wrapper.properties"
    properties.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return project


def _gradlew(project: Path, gradle_home: Path, *args: str, path: str | None = None):
    env = {**os.environ, "GRADLE_USER_HOME": str(gradle_home)}
    if path is not None:
        env["PATH"] = path
    sh = shutil.which("sh") or "/bin/sh"
    return subprocess.run([sh, str(project / "gradlew"), *args], cwd=project, env=env, capture_output=True,
                          text=True, timeout=60, check=False)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def test_gradlew_downloads_once_checks_the_sha256_and_passes_arguments_through(tmp_path, server):
    url, served, requests = server
    zip_path = fake_gradle_distribution_zip(served / "gradle-fake-bin.zip")
    project = _project(tmp_path, f"{url}/gradle-fake-bin.zip", _sha256(zip_path))
    home = tmp_path / "gradle-home"

    first = _gradlew(project, home, "assembleDebug", "--info", "two words", "*")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == ["fake gradle ran with: assembleDebug --info two words *",
                                         "arg<assembleDebug>", "arg<--info>", "arg<two words>", "arg<*>"]
    assert requests == ["/gradle-fake-bin.zip"]
    # Gradle's own wrapper layout: dists/<zip name less .zip>/<base-36 MD5 of the URL>/, with the .ok marker.
    (folder,) = (home / "wrapper/dists/gradle-fake-bin").iterdir()
    assert re.fullmatch(r"[0-9a-z]+", folder.name)
    assert sorted(p.name for p in folder.iterdir()) == [
        "gradle-fake", "gradle-fake-bin.zip", "gradle-fake-bin.zip.ok"]

    second = _gradlew(project, home, "connectedDebugAndroidTest")
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[0] == "fake gradle ran with: connectedDebugAndroidTest"
    assert requests == ["/gradle-fake-bin.zip"]  # the unpacked copy was reused
    assert "downloading" not in second.stderr


def test_no_download_tool_fails_clearly(tmp_path):
    """With every command of this machine on the PATH except curl and wget."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        for tool in Path(folder).glob("*") if Path(folder).is_dir() else ():
            wanted = tool.name not in ("curl", "wget") and os.access(tool, os.X_OK)
            if wanted and not (tools / tool.name).exists():
                (tools / tool.name).symlink_to(tool)
    project = _project(tmp_path, "https://services.gradle.org/distributions/gradle-8.11.1-bin.zip", None)
    result = _gradlew(project, tmp_path / "home", path=str(tools))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "gradlew: neither curl nor wget is installed, so Gradle cannot be downloaded; "
        "install one, or open the project in Android Studio")


def test_gradlew_folder_hash_matches_javas_base_36_md5():
    """``BigInteger(1, md5(url)).toString(36)`` (Gradle's PathAssembler), for the pinned Gradle's URL."""
    url = "https://services.gradle.org/distributions/gradle-8.11.1-bin.zip"
    expected = int.from_bytes(hashlib.md5(url.encode()).digest(), "big")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while expected:
        expected, remainder = divmod(expected, 36)
        text = digits[remainder] + text
    script = GRADLEW.read_text(encoding="utf-8")
    awk = re.search(r"base36_of_hex\(\) \{\n    printf '%s\\n' \"\$1\" \| awk '(.*?)'\n\}", script, re.S)
    assert awk is not None
    md5 = hashlib.md5(url.encode()).hexdigest()
    done = subprocess.run(["awk", awk.group(1)], input=md5 + "\n", capture_output=True, text=True, check=True)
    assert done.stdout.strip() == text == "bpt9gzteqjrbo1mjrsomdt32c"


def test_a_wrong_checksum_fails_clearly_and_leaves_nothing_behind(tmp_path, server):
    url, served, _requests = server
    fake_gradle_distribution_zip(served / "gradle-fake-bin.zip")
    wrong = "0" * 64
    project = _project(tmp_path, f"{url}/gradle-fake-bin.zip", wrong)
    home = tmp_path / "gradle-home"
    result = _gradlew(project, home, "assembleDebug")
    assert result.returncode == 1 and result.stdout == ""
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"gradlew: {url}/gradle-fake-bin.zip has sha256 ")
    properties = project.resolve() / "gradle/wrapper/gradle-wrapper.properties"
    assert last.endswith(f", not the distributionSha256Sum {wrong} of {properties}; "
                         "the download was discarded")
    # No zip, no part file, nothing unpacked.
    assert [f for f in _files(home) if not (home / f).is_dir()] == []
    assert not list(home.rglob("gradle-fake"))


def test_a_failed_download_fails_clearly(tmp_path, server):
    url, _served, _requests = server
    project = _project(tmp_path, f"{url}/missing-bin.zip", None)
    result = _gradlew(project, tmp_path / "home", "assembleDebug")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"gradlew: download of {url}/missing-bin.zip failed; check the network, or the URL in "
        f"{project.resolve()}/gradle/wrapper/gradle-wrapper.properties")
    assert [f for f in _files(tmp_path / "home") if not (tmp_path / "home" / f).is_dir()] == []


def test_a_missing_properties_file_fails_clearly(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    shutil.copyfile(GRADLEW, project / "gradlew")
    result = _gradlew(project, tmp_path / "home")
    assert result.returncode == 1
    assert result.stderr.strip() == (f"gradlew: {project.resolve()}/gradle/wrapper/gradle-wrapper.properties "
                                     "is missing; it names the Gradle distribution to run")


def test_gradlew_is_posix_sh():
    """``sh -n`` parses it; where dash is installed (Debian's /bin/sh), dash parses it too."""
    for shell in ("sh", "dash"):
        if shutil.which(shell):
            done = subprocess.run([shell, "-n", str(GRADLEW)], capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stderr
    assert GRADLEW.read_bytes().startswith(b"#!/bin/sh\n") and b"\r" not in GRADLEW.read_bytes()


def test_rendered_gradlew_is_executable_and_other_files_are_not(tmp_path):
    """The scaffold writes scripts 0755 whatever mode the template file has where edgekit is installed."""
    source = tmp_path / "templates"
    source.mkdir()
    shutil.copyfile(GRADLEW, source / "gradlew")
    os.chmod(source / "gradlew", 0o644)
    (source / "README.md").write_text("# not a script\n", encoding="utf-8")
    out = tmp_path / "out"
    render_tree([source], {}, out)
    assert stat.S_IMODE((out / "gradlew").stat().st_mode) == 0o755
    assert not (out / "README.md").stat().st_mode & 0o111


# --- gradlew.bat: checked statically -------------------------------------------------------------


def _bat() -> str:
    return GRADLEW_BAT.read_bytes().decode("ascii")


def test_gradlew_bat_has_windows_line_endings():
    raw = GRADLEW_BAT.read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n") > 0


def test_gradlew_bat_jumps_only_to_labels_it_defines():
    batch = _bat().split("#GRADLEW-POWERSHELL")[0]
    labels = set(re.findall(r"^:(\w+)\r$", batch, re.M))
    targets = set(re.findall(r"\bgoto (\w+)", batch))
    assert targets and targets <= labels


def test_gradlew_bat_runs_the_powershell_part_and_then_gradle_with_every_argument():
    text = _bat()
    batch, _, powershell = text.partition("\r\n#GRADLEW-POWERSHELL\r\n")
    assert powershell, "the PowerShell part must start on its own line"
    assert text.count("#GRADLEW-POWERSHELL") == 1  # the command line finds it by concatenation only
    assert "$text.IndexOf('#GRADLEW-' + 'POWERSHELL')" in batch
    assert 'call "%GRADLEW_GRADLE_HOME%\\bin\\gradle.bat" %*' in batch
    # No parenthesised blocks: a path with ")" in it (C:\Program Files (x86)) would end one early.
    assert not re.search(r"^\s*if .*\($", batch, re.M)
    for phrase in ("gradle\\wrapper\\gradle-wrapper.properties", "distributionUrl", "distributionSha256Sum",
                   "Get-FileHash -Algorithm SHA256", "Invoke-WebRequest", "Expand-Archive",
                   "GRADLE_USER_HOME", "wrapper/dists", ".ok"):
        assert phrase in powershell, phrase


def test_gradlew_bat_powershell_braces_balance():
    """A cheap structural check of the PowerShell part, which cannot run here."""
    _, _, powershell = _bat().partition("#GRADLEW-POWERSHELL")
    code = re.sub(r"^\s*#.*$", "", powershell, flags=re.M)  # comments may hold quotes
    code = re.sub(r"'[^']*'|\"(?:[^\"`]|`.)*\"", "''", code)  # strings may hold braces
    for opening, closing in ("{}", "()", "[]"):
        assert code.count(opening) == code.count(closing), opening + closing
    assert re.findall(r"\bFail \"", powershell)  # errors go through one function: "gradlew: ..." on stderr
