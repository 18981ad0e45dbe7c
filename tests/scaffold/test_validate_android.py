"""The minimum-compileSdk table beside the Android pins, and the validator check that reads it.

AGP's ``checkDebugAarMetadata`` refuses a build whose compileSdk is below any dependency's
``minCompileSdk``; no Android SDK is reachable here, so edgekit keeps those minimums as data and
checks the rendered catalog against them. These tests need no model and run in the quick loop; the
scaffolded projects are checked the same way in ``test_android.py``.
"""

from __future__ import annotations

import json
from importlib import resources

import pytest

from edgekit.scaffold import validate_android
from edgekit.scaffold.validate_android import compile_sdk_problems, min_compile_sdk_table


def _pinned() -> dict:
    return json.loads(resources.files("edgekit.scaffold").joinpath("data/android_versions.json")
                      .read_text(encoding="utf-8"))


def _catalog(pinned: dict) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """The versions and (group, name, version.ref) libraries a project rendered from ``pinned`` declares."""
    libraries = [(*lib["module"].split(":"), lib["version"]) for lib in pinned["libraries"].values()]
    return pinned["versions"], libraries


def test_every_pinned_library_has_a_sourced_entry_for_its_version():
    pinned, table = _pinned(), min_compile_sdk_table()
    for lib in pinned["libraries"].values():
        entry = table[lib["module"]]
        assert entry["version"] == pinned["versions"][lib["version"]], lib["module"]
        assert entry["source"].strip(), lib["module"]
        assert entry["min_compile_sdk"] is None or isinstance(entry["min_compile_sdk"], int)


def test_unknown_minimums_say_so_in_their_source():
    for module, entry in min_compile_sdk_table().items():
        if entry["min_compile_sdk"] is None:
            assert "not found" in entry["source"] or "JAR" in entry["source"], module


def test_libraries_a_template_may_add_are_listed_in_advance():
    table = min_compile_sdk_table()
    lifecycle = _pinned()["versions"]["lifecycle"]
    assert table["androidx.lifecycle:lifecycle-viewmodel-ktx"]["version"] == lifecycle
    assert "androidx.activity:activity-ktx" in table


def test_the_pinned_compile_sdk_satisfies_every_library():
    pinned = _pinned()
    assert pinned["sdk"]["compile"] == 36 and pinned["sdk"]["target"] == 35
    assert compile_sdk_problems(pinned["sdk"]["compile"], *_catalog(pinned)) == []


def test_compile_sdk_35_fails_naming_core_ktx():
    found = compile_sdk_problems(35, *_catalog(_pinned()))
    assert ("androidx.core:core-ktx 1.17.0 needs compileSdk 36 or higher (its AAR metadata's minCompileSdk); "
            "app/build.gradle.kts has compileSdk 35") in found
    # Only libraries whose minimum is 36 (activity-ktx too, once an app pins it); CameraX accepts 35.
    assert all(" needs compileSdk 36 or higher " in problem for problem in found)


def test_compile_sdk_34_also_names_camerax():
    found = compile_sdk_problems(34, *_catalog(_pinned()))
    for artifact in ("camera-core", "camera-camera2", "camera-lifecycle", "camera-view"):
        assert (f"androidx.camera:{artifact} 1.5.2 needs compileSdk 35 or higher (its AAR metadata's "
                "minCompileSdk); app/build.gradle.kts has compileSdk 34") in found


def test_a_library_missing_from_the_table_fails():
    versions, libraries = _catalog(_pinned())
    versions = {**versions, "fragment": "1.8.9"}
    fragment = ("androidx.fragment", "fragment-ktx", "fragment")
    assert compile_sdk_problems(36, versions, [*libraries, fragment]) == [
        "libs.versions.toml pins androidx.fragment:fragment-ktx, which edgekit's "
        "data/android_min_compile_sdk.json does not list: add its AAR metadata's minCompileSdk there, "
        "with a source"]


def test_a_library_pinned_at_another_version_than_its_entry_fails():
    versions, libraries = _catalog(_pinned())
    found = compile_sdk_problems(36, {**versions, "coreKtx": "1.18.0"}, libraries)
    assert found == [
        "libs.versions.toml pins androidx.core:core-ktx 1.18.0, but edgekit's "
        "data/android_min_compile_sdk.json lists 1.17.0: update its entry for 1.18.0"]


@pytest.mark.parametrize("text", ['compileSdk = 35', 'compileSdk=35'])
def test_catalog_problems_reads_compile_sdk_from_the_build_script(tmp_path, text):
    """The rendered files, not the data: an edited build script is what the check sees."""
    (tmp_path / "gradle").mkdir()
    (tmp_path / "app").mkdir()
    pinned = _pinned()
    lines = ["[versions]", *(f'{k} = "{v}"' for k, v in pinned["versions"].items()), "[libraries]"]
    for name, lib in pinned["libraries"].items():
        group, artifact = lib["module"].split(":")
        ref = lib["version"]
        lines.append(f'{name} = {{ group = "{group}", name = "{artifact}", version.ref = "{ref}" }}')
    (tmp_path / "gradle/libs.versions.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "app/build.gradle.kts").write_text(
        f'android {{\n    {text}\n    defaultConfig {{ minSdk = 24\n targetSdk = 35 }}\n'
        '    androidResources { noCompress += "tflite" }\n}\n'
        "dependencies { implementation(libs.litert) }\n", encoding="utf-8")
    assert validate_android.catalog_problems(tmp_path) == [
        f"{module} needs compileSdk 36 or higher (its AAR metadata's minCompileSdk); "
        "app/build.gradle.kts has compileSdk 35"
        for module in ("androidx.core:core-ktx 1.17.0", "androidx.activity:activity-ktx 1.12.1")]


def _wrapper_project(tmp_path, properties: str):
    (tmp_path / "gradle/wrapper").mkdir(parents=True)
    (tmp_path / "gradle/wrapper/gradle-wrapper.properties").write_text(properties, encoding="utf-8")
    (tmp_path / "gradlew").write_text("#!/bin/sh\n", encoding="utf-8")
    (tmp_path / "gradlew.bat").write_text("@rem\r\n", encoding="utf-8")
    return tmp_path


def test_wrapper_problems_passes_a_pinned_wrapper(tmp_path):
    root = _wrapper_project(tmp_path, "distributionUrl=https\\://services.gradle.org/distributions/"
                                      f"gradle-8.11.1-bin.zip\ndistributionSha256Sum={'a' * 64}\n")
    (root / "gradlew").chmod(0o755)
    assert validate_android.wrapper_problems(root) == []


def test_wrapper_problems_names_what_is_missing(tmp_path):
    root = _wrapper_project(tmp_path, "distributionUrl=https\\://example.com/gradle.zip\n")
    (root / "gradlew").chmod(0o644)
    (root / "gradlew.bat").unlink()
    assert validate_android.wrapper_problems(root) == [
        "gradlew is not executable (chmod 755 gradlew)",
        "gradlew.bat is missing: `gradlew.bat assembleDebug` would not run on Windows",
        "gradle-wrapper.properties has no distributionUrl of a Gradle release",
        "gradle-wrapper.properties has no distributionSha256Sum (the zip's published sha256)"]
