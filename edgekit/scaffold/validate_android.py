"""Static checks of a generated Android project: no Android SDK or Maven repository is needed.

What a build would catch first, checked without one: every Kotlin source and Gradle script parses
(tree-sitter's Kotlin grammar), every XML file is well formed, the manifest asks for the camera
when the app uses it, ``ModelContract.kt`` states the model's real tensors, the version catalog
pins LiteRT and a target SDK Google Play accepts, compileSdk is at least every pinned library's
minimum (the ``minCompileSdk`` of its AAR metadata, kept with a source for each in
``data/android_min_compile_sdk.json``; AGP's ``checkDebugAarMetadata`` enforces it on the first
build), and ``gradlew`` and the wrapper properties are there to run the pinned Gradle. Each check
returns one line per problem.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from edgekit.model.contract import TensorInfo
from edgekit.scaffold import validate_android_code as code
from edgekit.scaffold.contract import ModelContract

__all__ = ["problems", "kotlin_problems", "xml_problems", "manifest_problems", "contract_problems",
           "catalog_problems", "compile_sdk_problems", "min_compile_sdk_table", "wrapper_problems",
           "code_problems", "KotlinParserMissing", "MIN_TARGET_SDK", "MIN_SDK", "LITERT_MODULE"]

MIN_TARGET_SDK = 35  # Google Play's requirement for app updates since 2025-08-31
MIN_SDK = 24
LITERT_MODULE = ("com.google.ai.edge.litert", "litert")
CONTRACT_FILE = "app/src/main/java/dev/edgekit/app/ModelContract.kt"
MIN_COMPILE_SDK_FILE = "data/android_min_compile_sdk.json"
_EXACT_VERSION = re.compile(r"\d+(\.\d+)+(-[\w.]+)?")
_MARKERS = re.compile(r"\{\{|\{%|%\}")
_TEXT_SUFFIXES = (".kt", ".kts", ".xml", ".toml", ".properties", ".md", ".pro")


class KotlinParserMissing(UserWarning):
    """tree-sitter-kotlin is not installed: generated Kotlin was not parsed (other checks still ran)."""


def problems(app, contract: ModelContract, binding: dict[str, Any], root: Path) -> list[str]:
    """Every problem of the staged Android project at ``root``, one line each; empty when valid."""
    found = kotlin_problems(root) + xml_problems(root) + manifest_problems(root, app.task.camera)
    found += contract_problems(root, contract) + catalog_problems(root) + wrapper_problems(root)
    found += _marker_problems(root) + code_problems(root)
    model = root / "app/src/main/assets" / contract.model_file
    if not model.is_file():
        found.append(f"the model is not bundled at {model.relative_to(root)}")
    return found


def code_problems(root: Path) -> list[str]:
    """Lifecycle, insets, shared text, data classes, string escapes (see :mod:`validate_android_code`)."""
    return (code.lifecycle_problems(root) + code.insets_problems(root) + code.share_problems(root)
            + code.data_class_problems(root) + code.string_resource_problems(root))


def _kotlin_parser():
    """A tree-sitter parser for Kotlin, or None when the grammar is not installed."""
    try:
        import tree_sitter
        import tree_sitter_kotlin
    except ImportError:
        return None
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_kotlin.language()))


def kotlin_problems(root: Path) -> list[str]:
    """``file:line: syntax error`` for every ERROR or MISSING node in the project's .kt and .kts files.

    The grammar is a dependency of edgekit's; where it could not be installed (no wheel for the
    platform) the parse is skipped with a :class:`KotlinParserMissing` warning rather than failing a
    scaffold on the user's machine, which the CLI shows as one line.
    """
    parser = _kotlin_parser()
    sources = sorted(p for p in root.rglob("*") if p.suffix in (".kt", ".kts") and p.is_file())
    if parser is None:
        warnings.warn(
            "the generated Kotlin was not parsed (the other checks ran): tree-sitter-kotlin, a dependency "
            "of edgekit's, is not installed here; pip install tree-sitter tree-sitter-kotlin",
            KotlinParserMissing,
            stacklevel=2,
        )
        return []
    found = []
    for path in sources:
        tree = parser.parse(path.read_bytes())
        bad = _first_bad_node(tree.root_node)
        if bad is not None:
            kind = "missing " + bad.type if bad.is_missing else "syntax error"
            found.append(f"{path.relative_to(root)}:{bad.start_point[0] + 1}: {kind} (Kotlin does not parse)")
    return found


def _first_bad_node(node):
    """The first ERROR or MISSING node in document order, or None."""
    if node.type == "ERROR" or node.is_missing:
        return node
    if not node.has_error:
        return None
    for child in node.children:
        bad = _first_bad_node(child)
        if bad is not None:
            return bad
    return None


def xml_problems(root: Path) -> list[str]:
    """Every XML file that is not well formed."""
    found = []
    for path in sorted(root.rglob("*.xml")):
        try:
            ElementTree.parse(path)
        except ElementTree.ParseError as exc:
            found.append(f"{path.relative_to(root)} is not well-formed XML: {exc}")
    return found


_ANDROID = "{http://schemas.android.com/apk/res/android}"


def manifest_problems(root: Path, uses_camera: bool) -> list[str]:
    """The manifest exists, declares the launcher activity, and asks for CAMERA exactly when the app uses it.

    ``uses_camera`` is the task's registry fact (:attr:`edgekit.scaffold.tasks.Task.camera`).
    """
    path = root / "app/src/main/AndroidManifest.xml"
    if not path.is_file():
        return ["app/src/main/AndroidManifest.xml is missing"]
    try:
        manifest = ElementTree.parse(path).getroot()
    except ElementTree.ParseError:
        return []  # reported by xml_problems
    permissions = {p.get(_ANDROID + "name") for p in manifest.iter("uses-permission")}
    found = []
    camera = "android.permission.CAMERA" in permissions
    if uses_camera and not camera:
        found.append(
            "AndroidManifest.xml does not declare android.permission.CAMERA, which the camera app needs"
        )
    if not uses_camera and camera:
        found.append("AndroidManifest.xml asks for android.permission.CAMERA, which this app does not use")
    if not any(a.get(_ANDROID + "name") for a in manifest.iter("activity")):
        found.append("AndroidManifest.xml declares no activity")
    return found


_LITERAL = r'"(?:[^"\\]|\\.)*"'
_SPEC = re.compile(
    rf"TensorSpec\(key = (?P<key>{_LITERAL}), name = (?P<name>{_LITERAL}), "
    rf"position = (?P<position>\d+), shape = listOf\((?P<shape>[^)]*)\), dtype = (?P<dtype>{_LITERAL})"
)
_MODEL_FILE = re.compile(rf"const val MODEL_FILE = (?P<literal>{_LITERAL})")


def contract_problems(root: Path, contract: ModelContract) -> list[str]:
    """ModelContract.kt names the model file and lists exactly the model's tensors, in order."""
    path = root / CONTRACT_FILE
    if not path.is_file():
        return [f"{CONTRACT_FILE} is missing"]
    text = path.read_text(encoding="utf-8")
    found = _model_file_problems(text, contract.model_file)
    for section, tensors in (("INPUTS", contract.inputs), ("OUTPUTS", contract.outputs)):
        block = re.search(rf"val {section}: List<TensorSpec> = listOf\((.*?)\n    \)", text, re.S)
        if block is None:
            found.append(f"{CONTRACT_FILE} has no {section} list")
            continue
        stated = [m.groupdict() for m in _SPEC.finditer(block.group(1))]
        if len(stated) != len(tensors):
            found.append(
                f"{CONTRACT_FILE} lists {len(stated)} {section.lower()}; the model has {len(tensors)}"
            )
            continue
        for written, tensor in zip(stated, tensors, strict=True):
            mismatch = _tensor_mismatch(written, tensor)
            if mismatch:
                found.append(f"{CONTRACT_FILE} {section.lower()[:-1]} {tensor.key!r}: {mismatch}")
    return found


def _model_file_problems(text: str, model_file: str) -> list[str]:
    """MODEL_FILE is a constant string literal (escaped: no `$name` template) naming ``model_file``."""
    declared = _MODEL_FILE.search(text)
    if declared is None:
        return [f"{CONTRACT_FILE} declares no MODEL_FILE"]
    try:
        loads = code.kotlin_string_value(declared.group("literal"))
    except ValueError as exc:
        return [f"{CONTRACT_FILE} MODEL_FILE: {exc}"]
    return [] if loads == model_file else [f"{CONTRACT_FILE} does not load {model_file}"]


def _tensor_mismatch(written: dict[str, str], tensor: TensorInfo) -> str | None:
    shape = tuple(int(d) for d in written["shape"].replace(" ", "").split(",") if d)
    expected = {
        "key": tensor.key,
        "name": tensor.name,
        "position": str(tensor.position),
        "dtype": tensor.dtype,
    }
    for field, value in expected.items():
        try:
            stated = code.kotlin_string_value(written[field]) if field != "position" else written[field]
        except ValueError as exc:
            return f"{field}: {exc}"
        if stated != value:
            return f"{field} is {stated!r} in the code, {value!r} in the model"
    if shape != tuple(tensor.shape_signature):
        return f"shape is {list(shape)} in the code, {list(tensor.shape_signature)} in the model"
    return None


def catalog_problems(root: Path) -> list[str]:
    """The version catalog pins LiteRT exactly.

    The app targets SDK >= 35, runs from 24, keeps .tflite uncompressed, and compiles against an SDK
    no pinned library refuses (:func:`compile_sdk_problems`).
    """
    catalog = root / "gradle/libs.versions.toml"
    build = root / "app/build.gradle.kts"
    if not catalog.is_file() or not build.is_file():
        return [f"{p.relative_to(root)} is missing" for p in (catalog, build) if not p.is_file()]
    found = []
    versions, libraries = _read_catalog(catalog.read_text(encoding="utf-8"))
    for name, version in versions.items():
        if not _EXACT_VERSION.fullmatch(version):
            found.append(f"libs.versions.toml pins {name} to {version!r}, not an exact version")
    litert = [ref for group, artifact, ref in libraries if (group, artifact) == LITERT_MODULE]
    if not litert:
        found.append(f"libs.versions.toml does not declare {':'.join(LITERT_MODULE)}")
    elif litert[0] not in versions:
        found.append(f"libs.versions.toml gives {':'.join(LITERT_MODULE)} no pinned version")
    script = build.read_text(encoding="utf-8")
    for setting, least in (
        ("targetSdk", MIN_TARGET_SDK),
        ("compileSdk", MIN_TARGET_SDK),
        ("minSdk", MIN_SDK),
    ):
        match = re.search(rf"\b{setting}\s*=\s*(\d+)", script)
        if match is None or int(match.group(1)) < least:
            found.append(f"app/build.gradle.kts {setting} is {match.group(1) if match else 'not set'}; "
                         f"it must be {least} or higher")
    if not re.search(r'noCompress\s*\+=\s*(?:listOf\()?"tflite"', script):
        found.append(
            "app/build.gradle.kts does not keep .tflite uncompressed "
            '(androidResources { noCompress += "tflite" })'
        )
    if not re.search(r"implementation\(libs\.litert\)", script):
        found.append("app/build.gradle.kts does not depend on libs.litert")
    compile_sdk = re.search(r"\bcompileSdk\s*=\s*(\d+)", script)
    if compile_sdk is not None:
        found += compile_sdk_problems(int(compile_sdk.group(1)), versions, libraries)
    return found


@cache
def min_compile_sdk_table() -> dict[str, dict[str, Any]]:
    """``group:artifact`` -> {version, min_compile_sdk (int or None), source}, from edgekit's data file."""
    text = resources.files("edgekit.scaffold").joinpath(MIN_COMPILE_SDK_FILE).read_text(encoding="utf-8")
    return json.loads(text)["artifacts"]


def compile_sdk_problems(compile_sdk: int, versions: dict[str, str],
                         libraries: list[tuple[str, str, str]]) -> list[str]:
    """Every pinned library whose AAR metadata needs a higher compileSdk, or that the table does not know.

    A library missing from the table, or listed for another version, is a problem too: its minimum
    is then unknown to edgekit, and the first sign of it would be a failed build on the user's machine.
    """
    table = min_compile_sdk_table()
    found = []
    for group, artifact, ref in libraries:
        module, version = f"{group}:{artifact}", versions.get(ref, "")
        entry = table.get(module)
        if not _EXACT_VERSION.fullmatch(version):
            continue  # unpinned: reported above; no version of its own (a BOM's): nothing to look up
        if entry is None:
            found.append(f"libs.versions.toml pins {module}, which edgekit's {MIN_COMPILE_SDK_FILE} does not "
                         "list: add its AAR metadata's minCompileSdk there, with a source")
        elif entry["version"] != version:
            found.append(f"libs.versions.toml pins {module} {version}, but edgekit's {MIN_COMPILE_SDK_FILE} "
                         f"lists {entry['version']}: update its entry for {version}")
        elif entry["min_compile_sdk"] is not None and compile_sdk < entry["min_compile_sdk"]:
            found.append(f"{module} {version} needs compileSdk {entry['min_compile_sdk']} or higher (its AAR "
                         f"metadata's minCompileSdk); app/build.gradle.kts has compileSdk {compile_sdk}")
    return found


def wrapper_problems(root: Path) -> list[str]:
    """``./gradlew`` and ``gradlew.bat`` are there (``gradlew`` executable) and the wrapper pins its Gradle.

    The properties name the distribution by URL and its sha256, which Android Studio and the launchers check.
    """
    found = []
    gradlew = root / "gradlew"
    if not gradlew.is_file():
        found.append("gradlew is missing: `./gradlew assembleDebug` would not run")
    elif os.name != "nt" and not os.access(gradlew, os.X_OK):
        found.append("gradlew is not executable (chmod 755 gradlew)")
    if not (root / "gradlew.bat").is_file():
        found.append("gradlew.bat is missing: `gradlew.bat assembleDebug` would not run on Windows")
    properties = root / "gradle/wrapper/gradle-wrapper.properties"
    if not properties.is_file():
        return [*found, "gradle/wrapper/gradle-wrapper.properties is missing"]
    text = properties.read_text(encoding="utf-8")
    if not re.search(r"^distributionUrl=https\\?://\S+/gradle-[\d.]+-(bin|all)\.zip$", text, re.M):
        found.append("gradle-wrapper.properties has no distributionUrl of a Gradle release")
    if not re.search(r"^distributionSha256Sum=[0-9a-f]{64}$", text, re.M):
        found.append("gradle-wrapper.properties has no distributionSha256Sum (the zip's published sha256)")
    return found


def _read_catalog(text: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """[versions] name -> version, and [libraries] (group, name, version.ref) of a Gradle version catalog."""
    versions: dict[str, str] = {}
    libraries: list[tuple[str, str, str]] = []
    section = None
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            section = header.group(1)
            continue
        if section == "versions":
            match = re.fullmatch(r'([\w-]+)\s*=\s*"([^"]*)"', line)
            if match:
                versions[match.group(1)] = match.group(2)
        elif section == "libraries":
            group = re.search(r'group\s*=\s*"([^"]+)"', line)
            name = re.search(r'\bname\s*=\s*"([^"]+)"', line)
            module = re.search(r'module\s*=\s*"([^":]+):([^"]+)"', line)
            ref = re.search(r'version\.ref\s*=\s*"([^"]+)"', line)
            if group and name:
                coordinates = (group.group(1), name.group(1))
            elif module:
                coordinates = (module.group(1), module.group(2))
            else:
                continue
            libraries.append((*coordinates, ref.group(1) if ref else ""))
    return versions, libraries


def _marker_problems(root: Path) -> list[str]:
    """Template markers in any text file, rendered or copied (a template missing its .jinja suffix)."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix in _TEXT_SUFFIXES and path.is_file():
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if _MARKERS.search(line):
                    found.append(f"template marker left at {path.relative_to(root)}:{number}")
                    break
    return found
