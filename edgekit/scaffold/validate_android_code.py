"""Static checks of a generated Android app's code beyond "it parses": what review found and no build catches.

* Resources outlive nothing they should: no Activity launches work from ``lifecycleScope`` in
  ``onDestroy`` (already cancelled there), makes an executor or holds a Closeable (one per
  recreation); every ViewModel closes the Closeables it holds and shuts its executor in ``onCleared``.
* Edge to edge (enforced from Android 15 for targetSdk 35): every Activity calls
  ``enableEdgeToEdge()`` before ``setContentView`` and applies window insets to its views.
* An Activity that takes shared text (``ACTION_SEND``) declares it in the manifest and reads it in
  both ``onCreate`` and ``onNewIntent``.
* A data class holds no array: arrays compare by identity, so its equals and hashCode would too.
* String literals and string resources say what they mean: :func:`kotlin_string_value` and
  :func:`android_string_value` read them the way kotlinc and aapt2 do.

Each check returns one line per problem. Kotlin is read with tree-sitter's Kotlin grammar; without
it the Kotlin checks return nothing (``validate_android.kotlin_problems`` warns once).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

__all__ = ["lifecycle_problems", "insets_problems", "share_problems", "data_class_problems",
           "string_resource_problems", "kotlin_string_value", "android_string_value", "read_classes",
           "KotlinClass"]

MAIN_SOURCES = "app/src/main/java"
_ANDROID = "{http://schemas.android.com/apk/res/android}"
_CLOSEABLE = re.compile(r"\b(?:java\.lang\.|java\.io\.)?(?:AutoCloseable|Closeable)\b")
_EXECUTOR = re.compile(r"\bExecutors\.new\w+")


# --- reading Kotlin ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KotlinClass:
    """What the checks need of one Kotlin class: its supertypes, properties and member functions."""

    name: str
    file: str
    supertypes: tuple[str, ...]
    closeable_type_parameters: tuple[str, ...]
    properties: dict[str, str]  # name -> declared type text ("" when inferred)
    functions: dict[str, str]  # name -> body text
    text: str


def _parser():
    try:
        import tree_sitter
        import tree_sitter_kotlin
    except ImportError:
        return None
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_kotlin.language()))


def _sources(root: Path) -> list[Path]:
    return sorted(p for p in (root / MAIN_SOURCES).rglob("*.kt") if p.is_file())


def read_classes(root: Path) -> dict[str, KotlinClass]:
    """Every top-level class of the app's main sources, by name; empty without tree-sitter-kotlin."""
    parser = _parser()
    if parser is None:
        return {}
    classes = {}
    for path in _sources(root):
        tree = parser.parse(path.read_bytes())
        for node in tree.root_node.children:
            if node.type == "class_declaration":
                found = _read_class(node, str(path.relative_to(root)))
                classes[found.name] = found
    return classes


def _text(node) -> str:
    return node.text.decode("utf-8")


def _code(node) -> str:
    """``node``'s source with its comments blanked: a comment that names an API is not a call to it."""
    source = bytearray(node.text)
    todo = list(node.children)
    while todo:
        child = todo.pop()
        if child.type in ("line_comment", "block_comment"):
            start, end = child.start_byte - node.start_byte, child.end_byte - node.start_byte
            source[start:end] = b" " * (end - start)
        else:
            todo.extend(child.children)
    return source.decode("utf-8")


def _child(node, kind: str):
    return next((c for c in node.children if c.type == kind), None)


def _read_class(node, file: str) -> KotlinClass:
    name = _text(_child(node, "identifier"))
    supertypes = []
    delegation = _child(node, "delegation_specifiers")
    for spec in delegation.children if delegation is not None else ():
        if spec.type == "delegation_specifier":
            supertypes.append(re.split(r"[<(]", _text(spec), maxsplit=1)[0].strip())
    parameters = _child(node, "type_parameters")
    closeable = tuple(
        _text(_child(p, "identifier")) for p in (parameters.children if parameters is not None else ())
        if p.type == "type_parameter" and _CLOSEABLE.search(_text(p))
    )
    properties, functions = {}, {}
    body = _child(node, "class_body")
    for member in body.children if body is not None else ():
        if member.type == "property_declaration":
            declared = _child(member, "variable_declaration")
            if declared is not None:
                var_name, _, var_type = _text(declared).partition(":")
                properties[var_name.strip()] = var_type.strip()
        elif member.type == "function_declaration":
            function_body = _child(member, "function_body")
            functions[_text(_child(member, "identifier"))] = _code(function_body) if function_body else ""
    return KotlinClass(name, file, tuple(supertypes), closeable, properties, functions, _code(node))


def _extends(cls: KotlinClass, classes: dict[str, KotlinClass], suffixes: tuple[str, ...]) -> bool:
    """``cls`` derives (through the project's own classes) from a type named ``*<suffix>``."""
    seen = set()
    todo = list(cls.supertypes)
    while todo:
        supertype = todo.pop().rsplit(".", 1)[-1]
        if supertype in seen:
            continue
        seen.add(supertype)
        if supertype.endswith(suffixes):
            return True
        if supertype in classes:
            todo.extend(classes[supertype].supertypes)
    return False


def _activities(classes: dict[str, KotlinClass]) -> list[KotlinClass]:
    return [c for c in classes.values() if _extends(c, classes, ("Activity",))]


def _closeable_classes(classes: dict[str, KotlinClass]) -> set[str]:
    return {name for name, c in classes.items() if _extends(c, classes, ("Closeable",))}


# --- lifecycle -----------------------------------------------------------------------------------


def lifecycle_problems(root: Path) -> list[str]:
    """Activities own no model resources and never launch from a cancelled scope; ViewModels close theirs.

    A Closeable or an executor created by an Activity is created again on every rotation and, unless
    onDestroy closes it synchronously, leaked; ``lifecycleScope`` is cancelled by the time
    ``onDestroy`` runs, so work launched there never happens. The ViewModel that holds them instead
    must close each Closeable property and shut each executor down in ``onCleared`` (without
    ``viewModelScope``, which is cancelled there too).
    """
    classes = read_classes(root)
    closeable = _closeable_classes(classes)
    found = []
    for activity in _activities(classes):
        where = f"{activity.file}: {activity.name}"
        if "lifecycleScope" in activity.functions.get("onDestroy", ""):
            found.append(f"{where} launches from lifecycleScope in onDestroy, where it is already cancelled")
        if _EXECUTOR.search(activity.text):
            found.append(f"{where} creates an executor, one per recreation; let its ViewModel own it")
        for name in _closeable_properties(activity, closeable):
            found.append(f"{where} holds the Closeable {name}, reopened on every rotation; "
                         "let its ViewModel own it and close it in onCleared")
    for model in (c for c in classes.values() if _extends(c, classes, ("ViewModel",))):
        found += _view_model_problems(model, closeable)
    return found


def _closeable_properties(cls: KotlinClass, closeable: set[str]) -> list[str]:
    names = []
    for name, declared in cls.properties.items():
        words = set(re.findall(r"\w+", declared))
        if words & closeable or words & set(cls.closeable_type_parameters) or _CLOSEABLE.search(declared):
            names.append(name)
    return names


def _view_model_problems(model: KotlinClass, closeable: set[str]) -> list[str]:
    where = f"{model.file}: {model.name}"
    cleared = model.functions.get("onCleared")
    holds = _closeable_properties(model, closeable)
    executors = [name for name, declared in model.properties.items()
                 if re.search(rf"\b{re.escape(name)}\b[^\n]*=\s*{_EXECUTOR.pattern}", model.text)
                 or "ExecutorService" in declared]
    if not holds and not executors:
        return []
    if cleared is None:
        return [f"{where} holds {', '.join(holds + executors)} but has no onCleared to release them"]
    found = []
    if "viewModelScope" in cleared:
        found.append(f"{where} launches from viewModelScope in onCleared, where it is already cancelled")
    for name in holds:
        if not re.search(rf"\b{re.escape(name)}\??\.close\(\)", cleared):
            found.append(f"{where} does not close {name} in onCleared")
    for name in executors:
        if not re.search(rf"\b{re.escape(name)}\.shutdown(?:Now)?\(\)", cleared):
            found.append(f"{where} does not shut {name} down in onCleared")
    return found


# --- window insets -------------------------------------------------------------------------------


def insets_problems(root: Path) -> list[str]:
    """Every Activity goes edge to edge on purpose and keeps its views clear of the bars (and the keyboard).

    Android 15 draws targetSdk 35 apps edge to edge regardless; ``enableEdgeToEdge()`` (before
    ``setContentView``) makes older versions match, and an insets listener (directly or through a
    project function that sets one) pads the views. An app with a text field must also apply the
    IME insets, since adjustResize no longer resizes an edge-to-edge window.
    """
    classes = read_classes(root)
    helpers = _inset_functions(root)
    uses_keyboard = any("<EditText" in p.read_text(encoding="utf-8")
                        for p in (root / "app/src/main/res").rglob("*.xml"))
    found = []
    for activity in _activities(classes):
        where = f"{activity.file}: {activity.name}"
        on_create = activity.functions.get("onCreate", "")
        edge = on_create.find("enableEdgeToEdge()")
        content = on_create.find("setContentView(")
        if edge < 0:
            found.append(f"{where} does not call enableEdgeToEdge() in onCreate")
        elif 0 <= content < edge:
            found.append(f"{where} calls enableEdgeToEdge() after setContentView")
        if not any(re.search(rf"\b{re.escape(h)}\(", activity.text) for h in helpers):
            found.append(f"{where} applies no window insets (setOnApplyWindowInsetsListener), so its views "
                         "lie under the system bars on Android 15")
    if uses_keyboard and _activities(classes) and not _mentions(root, "WindowInsetsCompat.Type.ime()"):
        found.append("the app has text fields but applies no IME insets (WindowInsetsCompat.Type.ime()), "
                     "so the keyboard covers them")
    return found


def _inset_functions(root: Path) -> set[str]:
    """``setOnApplyWindowInsetsListener`` and the project's functions that call it."""
    names = {"setOnApplyWindowInsetsListener"}
    declaration = re.compile(r"\bfun\s+(?:[\w.<>]+\.)?(\w+)\s*\(")
    for path in _sources(root):
        text = path.read_text(encoding="utf-8")
        starts = [(m.start(), m.group(1)) for m in declaration.finditer(text)] + [(len(text), "")]
        for (start, name), (end, _) in zip(starts, starts[1:], strict=False):
            if "setOnApplyWindowInsetsListener" in text[start:end]:
                names.add(name)
    return names


def _mentions(root: Path, needle: str) -> bool:
    return any(needle in p.read_text(encoding="utf-8") for p in _sources(root))


# --- shared text ---------------------------------------------------------------------------------


def share_problems(root: Path) -> list[str]:
    """Manifest and code agree on ``ACTION_SEND``: declared, matched, read on create and on new intent.

    A SEND filter needs the DEFAULT category (implicit intents carry it) and a MIME type; the
    Activity must read the text in onCreate (a fresh launch) and in onNewIntent (a share while it
    is on top), and only singleTop/singleTask/singleInstance activities get onNewIntent at all.
    """
    manifest_path = root / "app/src/main/AndroidManifest.xml"
    try:
        manifest = ElementTree.parse(manifest_path).getroot()
    except (ElementTree.ParseError, OSError):
        return []  # reported by validate_android's manifest and XML checks
    classes = read_classes(root)
    sharing = {}
    for activity in manifest.iter("activity"):
        name = (activity.get(_ANDROID + "name") or "").rsplit(".", 1)[-1]
        for intent_filter in activity.iter("intent-filter"):
            actions = {a.get(_ANDROID + "name") for a in intent_filter.iter("action")}
            if "android.intent.action.SEND" in actions:
                sharing[name] = (activity, intent_filter)
    found = []
    for name, (activity, intent_filter) in sharing.items():
        categories = {c.get(_ANDROID + "name") for c in intent_filter.iter("category")}
        if "android.intent.category.DEFAULT" not in categories:
            found.append(f"AndroidManifest.xml: {name}'s SEND filter lacks category DEFAULT, "
                         "so no share reaches it")
        if not any(d.get(_ANDROID + "mimeType") for d in intent_filter.iter("data")):
            found.append(f"AndroidManifest.xml: {name}'s SEND filter names no mimeType")
        cls = classes.get(name)
        if cls is not None:
            found += _share_reading_problems(cls, activity)
    for cls in _activities(classes):
        if "ACTION_SEND" in cls.text and cls.name not in sharing:
            found.append(f"{cls.file}: {cls.name} reads ACTION_SEND, but AndroidManifest.xml declares no "
                         "SEND intent filter for it")
    return found


def _share_reading_problems(cls: KotlinClass, activity) -> list[str]:
    readers = {name for name, body in cls.functions.items() if "EXTRA_TEXT" in body}
    found = []
    for entry in ("onCreate", "onNewIntent"):
        body = cls.functions.get(entry)
        if body is None or not ("EXTRA_TEXT" in body or any(re.search(rf"\b{r}\(", body) for r in readers)):
            found.append(f"{cls.file}: {cls.name} does not read shared text in {entry}")
    if activity.get(_ANDROID + "launchMode") not in ("singleTop", "singleTask", "singleInstance"):
        found.append(f"AndroidManifest.xml: {cls.name} takes shared text but has the standard launchMode, "
                     "so onNewIntent never runs; use singleTop")
    return found


# --- data classes --------------------------------------------------------------------------------

_ARRAY = re.compile(r"\b(?:\w+Array|Array<)")


def data_class_problems(root: Path) -> list[str]:
    """No data class has an array in its constructor unless it writes its own equals and hashCode.

    The generated equals/hashCode of a data class compare an ``IntArray`` by identity, so two
    ``TensorSpec``s of the same shape would differ; a ``List<Int>`` compares by content.
    """
    parser = _parser()
    if parser is None:
        return []
    found = []
    for path in _sources(root):
        todo = [parser.parse(path.read_bytes()).root_node]
        while todo:
            node = todo.pop()
            todo.extend(node.children)
            if node.type != "class_declaration" or "data" not in _modifiers(node):
                continue
            body = _child(node, "class_body")
            members = _code(body) if body is not None else ""
            if re.search(r"\bfun\s+equals\(", members) and re.search(r"\bfun\s+hashCode\(", members):
                continue
            constructor = _child(node, "primary_constructor")
            parameters = _child(constructor, "class_parameters") if constructor is not None else None
            for parameter in parameters.children if parameters is not None else ():
                if parameter.type == "class_parameter" and _ARRAY.search(_text(parameter).partition(":")[2]):
                    found.append(f"{path.relative_to(root)}: data class {_text(_child(node, 'identifier'))} "
                                 f"holds an array ({_text(parameter).strip()}), which equals compares by "
                                 "identity; use a List or write equals and hashCode")
    return found


def _modifiers(node) -> str:
    modifiers = _child(node, "modifiers")
    return _text(modifiers) if modifiers is not None else ""


# --- string literals and resources ----------------------------------------------------------------

_KOTLIN_UNESCAPE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "'": "'", '"': '"', "\\": "\\", "$": "$"}


def kotlin_string_value(literal: str) -> str:
    """The value of a one-line Kotlin string literal (quotes included); ValueError when it is not constant.

    A ``$`` before a name or ``{`` is a string template, not text, and an unknown escape does not
    compile: both raise.
    """
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"':
        raise ValueError(f"{literal!r} is not a string literal")
    body, value, i = literal[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            escape = body[i + 1:i + 2]
            if escape == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2:i + 6]):
                value.append(chr(int(body[i + 2:i + 6], 16)))
                i += 6
                continue
            if escape not in _KOTLIN_UNESCAPE:
                raise ValueError(f"{literal!r} has the escape \\{escape}, which Kotlin does not know")
            value.append(_KOTLIN_UNESCAPE[escape])
            i += 2
            continue
        if char == '"':
            raise ValueError(f"{literal!r} has an unescaped double quote")
        template = re.match(r"\$(?:\{|[A-Za-z_]\w*|`[^`]*`)", body[i:])
        if template:
            raise ValueError(f"{literal!r} has a string template ({template.group()}), not text; "
                             "escape $ as \\$")
        value.append(char)
        i += 1
    return "".join(value)


_ANDROID_UNESCAPE = {"t": "\t", "n": "\n"}
_REFERENCE = re.compile(r"[@?](?:\+?[\w.]+:)?[\w.]+/[\w.]+|@null|@empty")


def android_string_value(raw: str) -> str:
    """What Android reads from a ``<string>``'s text (XML already decoded); ValueError where aapt2 fails.

    Escapes ``\\t \\n \\uXXXX`` and ``\\<char>``; double quotes delimit verbatim text and are dropped;
    unquoted whitespace runs become one space and are trimmed at both ends; an unescaped apostrophe
    outside quotes, an unclosed quote, a trailing backslash and a leading ``@``/``?`` that is not a
    resource reference are errors.
    """
    if raw[:1] in ("@", "?") and not _REFERENCE.fullmatch(raw.strip()):
        raise ValueError(f"{raw!r} starts with {raw[0]} but is not a resource reference; "
                         f"escape it as \\{raw[0]}")
    chars: list[tuple[str, bool]] = []  # (char, collapsible: unquoted literal whitespace)
    quoted, i = False, 0
    while i < len(raw):
        char = raw[i]
        if char == "\\":
            escape = raw[i + 1:i + 2]
            if not escape:
                raise ValueError(f"{raw!r} ends with a lone backslash")
            if escape == "u":
                digits = raw[i + 2:i + 6]
                if not re.fullmatch(r"[0-9a-fA-F]{4}", digits):
                    raise ValueError(f"{raw!r} has a \\u escape without four hex digits")
                chars.append((chr(int(digits, 16)), False))
                i += 6
                continue
            chars.append((_ANDROID_UNESCAPE.get(escape, escape), False))
            i += 2
            continue
        if char == '"':
            quoted = not quoted
        elif char == "'" and not quoted:
            raise ValueError(f"{raw!r} has an unescaped apostrophe; write \\'")
        elif char.isspace() and not quoted:
            if not (chars and chars[-1][1]):
                chars.append((" ", True))
        else:
            chars.append((char, False))
        i += 1
    if quoted:
        raise ValueError(f"{raw!r} opens a double quote it never closes; write \\\" for a quote character")
    while chars and chars[0][1]:
        chars.pop(0)
    while chars and chars[-1][1]:
        chars.pop()
    return "".join(char for char, _ in chars)


def string_resource_problems(root: Path) -> list[str]:
    """Every ``<string>`` and string-array ``<item>`` under res/values* reads back without an aapt2 error."""
    found = []
    for path in sorted((root / "app/src/main/res").glob("values*/*.xml")):
        try:
            resources = ElementTree.parse(path).getroot()
        except ElementTree.ParseError:
            continue  # reported by validate_android.xml_problems
        for element in resources.iter():
            if element.tag == "string" or (element.tag == "item" and element.get("name") is None):
                try:
                    android_string_value("".join(element.itertext()))
                except ValueError as exc:
                    label = element.get("name") or "an array item"
                    found.append(f"{path.relative_to(root)}: string {label}: {exc}")
    return found
