"""Bind a model's tensors to the roles an app needs, or refuse with one precise line.

Each ``bind_*`` function reads a :class:`ModelContract` and the user's :class:`BindOptions` and
returns a small frozen value that templates render from (``to_dict``). A model that cannot serve
the role raises :class:`BindingError` naming the tensor, what the app expected and what it found.
Precedence for facts a file may not carry: the user's option, then the zoo catalog's contract
hint, then refusal — never a silent guess.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from edgekit.errors import EdgekitError, UsageError
from edgekit.files.preflight import InputRefused, read_input
from edgekit.model.contract import TensorInfo
from edgekit.scaffold.contract import ModelContract, template_tensor

__all__ = [
    "BindingError",
    "BindOptions",
    "ImageInput",
    "KeypointOutput",
    "MaskOutput",
    "TextInputs",
    "SpanOutputs",
    "EmbeddingOutput",
    "bind_image_input",
    "bind_keypoints",
    "bind_mask",
    "bind_text_inputs",
    "bind_span_outputs",
    "bind_embedding",
    "parse_normalize",
    "parse_keypoints",
]


class BindingError(EdgekitError):
    """The model cannot serve the app: which tensor, what was expected, what was found."""

    def __init__(self, app: str, model: str, reason: str) -> None:
        self.app = app
        self.model = model
        self.reason = reason
        super().__init__(f"{app} cannot use {model}: {reason}")


@dataclass(frozen=True)
class BindOptions:
    """What the user said on the command line about facts the model may not carry."""

    normalize: tuple[float, float] | None = None
    keypoints: tuple[int, int] | None = None
    output: str | None = None
    vocab: Path | None = None
    max_answer_len: int = 30


def parse_normalize(text: str) -> tuple[float, float]:
    """``"0,1"`` -> (0.0, 1.0): the range pixel values 0..255 are mapped onto."""
    parts = [p.strip() for p in text.split(",")]
    try:
        low, high = (float(p) for p in parts)
    except ValueError as exc:
        raise UsageError("normalize", f"{text!r} is not LOW,HIGH (e.g. 0,1 or -1,1)") from exc
    if not low < high:
        raise UsageError("normalize", f"{text!r}: LOW must be below HIGH")
    return low, high


def parse_keypoints(text: str) -> tuple[int, int]:
    """``"33x5"`` -> (33, 5): keypoint count and values per keypoint (3: y,x,score; 5: x,y,z,vis,presence)."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not match:
        raise UsageError("keypoints", f"{text!r} is not COUNTxVALUES (e.g. 17x3 or 33x5)")
    count, stride = int(match[1]), int(match[2])
    if count < 1 or stride not in KEYPOINT_FIELDS:
        raise UsageError(
            "keypoints",
            f"{text!r}: VALUES must be one of {', '.join(map(str, KEYPOINT_FIELDS))} "
            "(3: y, x, score normalised to the input; 5: x, y, z, visibility, "
            "presence in input pixels)",
        )
    return count, stride


# Values per keypoint -> the convention they follow. 3 is MoveNet's (y, x normalised to [0, 1], score
# a probability); 5 is BlazePose's (x, y in input pixels, z, visibility and presence as logits).
KEYPOINT_FIELDS: dict[int, tuple[str, ...]] = {
    3: ("y", "x", "score"),
    5: ("x", "y", "z", "visibility", "presence"),
}
_COORDS = {3: "normalized", 5: "pixels"}
_SCORE = {3: ("score", "none"), 5: ("visibility", "sigmoid")}
# Skeleton edges for the keypoint sets whose order is a published standard.
_SKELETONS: dict[int, tuple[tuple[int, int], ...]] = {
    17: (
        (0, 1),
        (0, 2),
        (1, 3),
        (2, 4),
        (5, 6),
        (5, 7),
        (7, 9),
        (6, 8),
        (8, 10),
        (5, 11),
        (6, 12),
        (11, 12),
        (11, 13),
        (13, 15),
        (12, 14),
        (14, 16),
    ),  # COCO
    33: (
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 7),
        (0, 4),
        (4, 5),
        (5, 6),
        (6, 8),
        (9, 10),
        (11, 12),
        (11, 13),
        (13, 15),
        (15, 17),
        (15, 19),
        (15, 21),
        (17, 19),
        (12, 14),
        (14, 16),
        (16, 18),
        (16, 20),
        (16, 22),
        (18, 20),
        (11, 23),
        (12, 24),
        (23, 24),
        (23, 25),
        (24, 26),
        (25, 27),
        (26, 28),
        (27, 29),
        (28, 30),
        (29, 31),
        (30, 32),
        (27, 31),
        (28, 32),
    ),  # BlazePose
}


@dataclass(frozen=True)
class ImageInput:
    """An NHWC image input. ``normalize`` maps pixel 0..255 to [low, high]; None feeds raw 0..255."""

    tensor: TensorInfo
    height: int
    width: int
    channels: int
    normalize: tuple[float, float] | None

    def to_dict(self) -> dict[str, Any]:
        """Template-ready form."""
        return {**_plain(self), "tensor": template_tensor(self.tensor)}


@dataclass(frozen=True)
class KeypointOutput:
    """Where keypoints are and how to decode them into normalised (x, y, score)."""

    tensor: TensorInfo
    count: int
    stride: int
    fields: tuple[str, ...]
    coords: str  # "normalized" or "pixels" (of the model input)
    score_field: str
    score_activation: str  # "none" or "sigmoid"
    skeleton: tuple[tuple[int, int], ...]

    def to_dict(self) -> dict[str, Any]:
        """Template-ready form."""
        return {**_plain(self), "tensor": template_tensor(self.tensor), "x_index": self.fields.index("x"),
                "y_index": self.fields.index("y"), "score_index": self.fields.index(self.score_field)}


@dataclass(frozen=True)
class MaskOutput:
    """A person mask [1, H, W, C]: ``person_channel`` after ``activation`` is P(person)."""

    tensor: TensorInfo
    height: int
    width: int
    channels: int
    person_channel: int
    activation: str  # "none", "sigmoid" or "softmax"

    def to_dict(self) -> dict[str, Any]:
        """Template-ready form."""
        return {**_plain(self), "tensor": template_tensor(self.tensor)}


@dataclass(frozen=True)
class TextInputs:
    """BERT-style token inputs of one sequence length, and the vocabulary that makes the ids."""

    ids: TensorInfo
    mask: TensorInfo | None
    segment: TensorInfo | None
    seq_len: int
    vocab: Path
    lowercase: bool

    def to_dict(self) -> dict[str, Any]:
        """Template-ready form."""
        return {"ids": template_tensor(self.ids), "mask": template_tensor(self.mask) if self.mask else None,
                "segment": template_tensor(self.segment) if self.segment else None, "seq_len": self.seq_len,
                "vocab_file": "vocab.txt", "lowercase": self.lowercase}


@dataclass(frozen=True)
class SpanOutputs:
    """Start and end logits per token; one tensor [1, L, 2] binds as both (``start is end``)."""

    start: TensorInfo
    end: TensorInfo
    combined: bool
    max_answer_len: int

    def to_dict(self) -> dict[str, Any]:
        """Template-ready form."""
        return {
            "start": template_tensor(self.start),
            "end": template_tensor(self.end),
            "combined": self.combined,
            "max_answer_len": self.max_answer_len,
        }


@dataclass(frozen=True)
class EmbeddingOutput:
    """A text embedding: [1, D], or per token [1, L, D] that the app mean-pools over the mask."""

    tensor: TensorInfo
    dim: int
    pooled: bool

    def to_dict(self) -> dict[str, Any]:
        """Template-ready form."""
        return {**_plain(self), "tensor": template_tensor(self.tensor)}


# --- vision --------------------------------------------------------------------------------------


def bind_image_input(app: str, contract: ModelContract, options: BindOptions) -> ImageInput:
    """The model's one NHWC image input, with the value range it expects."""
    fail = _failer(app, contract)
    images = [t for t in contract.inputs if len(t.shape_signature) == 4]
    if len(contract.inputs) != 1 or not images:
        raise fail(
            f"expected one image input [1, H, W, 3]; "
            f"found {len(contract.inputs)} input(s): {contract.describe_inputs()}"
        )
    tensor = images[0]
    batch, height, width, channels = tensor.shape_signature
    if tensor.is_dynamic:
        raise fail(f"input {tensor.describe()} has a dynamic dimension; give it a fixed size when converting "
             "(convert with `input_shapes`)")
    if batch != 1 or channels != 3:
        raise fail(f"input {tensor.describe()} is not [1, H, W, 3] (batch 1, RGB channels last)")
    if tensor.dtype not in ("float32", "uint8", "int32"):
        raise fail(
            f"input {tensor.describe()} is {tensor.dtype}; the app feeds float32, uint8 or int32 pixels"
        )
    normalize = _normalize(tensor, contract, options, fail)
    return ImageInput(tensor=tensor, height=height, width=width, channels=channels, normalize=normalize)


def _normalize(
    tensor: TensorInfo, contract: ModelContract, options: BindOptions, fail
) -> tuple[float, float] | None:
    if tensor.dtype != "float32":
        if options.normalize is not None:
            raise fail(
                f"`normalize` applies to float32 image inputs; "
                f"input {tensor.describe()} takes raw pixels 0-255"
            )
        return None
    if options.normalize is not None:
        return options.normalize
    hint = contract.hints.get("normalize")
    if hint is not None:
        return float(hint[0]), float(hint[1])
    raise fail(
        f"input {tensor.describe()} is float32 and the model does not say which value range it expects; "
        "pass `normalize` 0,1 or -1,1 (or 0,255)"
    )


def bind_keypoints(
    app: str, contract: ModelContract, image: ImageInput, options: BindOptions
) -> KeypointOutput:
    """The output holding keypoints, and the convention that decodes them."""
    fail = _failer(app, contract)
    layout = options.keypoints or (
        parse_keypoints(contract.hints["keypoints"]) if "keypoints" in contract.hints else None
    )
    wanted = options.output or contract.hints.get("keypoint_output")
    if wanted is not None:
        tensor = _named_output(contract, wanted, fail)
    else:
        tensor = _keypoint_candidate(contract, layout, fail)
    size = _elements(tensor.shape_signature)
    if layout is None:
        if len(tensor.shape_signature) >= 2 and tensor.shape_signature[-1] == 3:
            layout = (size // 3, 3)
        else:
            raise fail(
                f"output {tensor.describe()} does not say its keypoint layout; pass `keypoints` COUNTxVALUES "
                "(e.g. 33x5 for BlazePose, 17x3 for MoveNet)"
            )
    count, stride = layout
    if tensor.dtype != "float32" or size < count * stride:
        raise fail(
            f"expected a float32 keypoint output with at least {count}x{stride} values; "
            f"found {tensor.describe()}"
        )
    fields = KEYPOINT_FIELDS[stride]
    score_field, activation = _SCORE[stride]
    return KeypointOutput(
        tensor=tensor,
        count=count,
        stride=stride,
        fields=fields,
        coords=_COORDS[stride],
        score_field=score_field,
        score_activation=activation,
        skeleton=_SKELETONS.get(count, ()),
    )


def _keypoint_candidate(contract: ModelContract, layout: tuple[int, int] | None, fail) -> TensorInfo:
    def fits(t: TensorInfo) -> bool:
        if t.dtype != "float32" or len(t.shape_signature) not in (2, 3, 4):
            return False
        if layout is None:
            return len(t.shape_signature) >= 3 and t.shape_signature[-1] == 3
        return (
            _elements(t.shape_signature) % layout[1] == 0
            and _elements(t.shape_signature) >= layout[0] * layout[1]
        )

    candidates = [t for t in contract.outputs if fits(t)]
    if len(candidates) == 1:
        return candidates[0]
    want = f"{layout[0]}x{layout[1]} values" if layout else "[1, 1, K, 3] or [1, K, 3] (y, x, score)"
    if not candidates:
        more = (
            ""
            if layout
            else "; if one of them holds keypoints in another layout, pass `keypoints` COUNTxVALUES"
        )
        raise fail(
            f"expected a float32 keypoint output of {want}; outputs are {contract.describe_outputs()}{more}"
        )
    raise fail(
        f"{len(candidates)} outputs could hold keypoints ({', '.join(repr(t.key) for t in candidates)}); "
        "pick one with `output` NAME"
    )


def bind_mask(app: str, contract: ModelContract, image: ImageInput, options: BindOptions) -> MaskOutput:
    """The person-mask output: [1, H, W, 1] probability/logit or [1, H, W, 2] background/person."""
    fail = _failer(app, contract)
    if options.output is not None:
        tensor = _named_output(contract, options.output, fail)
        candidates = [tensor] if _is_mask(tensor) else []
        if not candidates:
            raise fail(f"output {tensor.describe()} is not a mask [1, H, W, 1 or 2] of float32")
    else:
        candidates = [t for t in contract.outputs if _is_mask(t)]
        if not candidates:
            raise fail(
                f"expected a float32 mask output [1, H, W, 1 or 2]; outputs are {contract.describe_outputs()}"
            )
        if len(candidates) > 1:
            raise fail(
                f"{len(candidates)} outputs could be the mask "
                f"({', '.join(repr(t.key) for t in candidates)}); "
                "pick one with `output` NAME"
            )
    tensor = candidates[0]
    channels = tensor.shape_signature[3]
    producer = (tensor.producer or "").upper()
    if producer in ("LOGISTIC", "SIGMOID", "SOFTMAX"):
        activation = "none"  # the model applies it itself
    else:
        activation = "sigmoid" if channels == 1 else "softmax"
    return MaskOutput(
        tensor=tensor,
        height=tensor.shape_signature[1],
        width=tensor.shape_signature[2],
        channels=channels,
        person_channel=channels - 1,
        activation=activation,
    )


def _is_mask(t: TensorInfo) -> bool:
    return (
        t.dtype == "float32"
        and len(t.shape_signature) == 4
        and t.shape_signature[0] == 1
        and t.shape_signature[3] in (1, 2)
        and min(t.shape_signature[1:3]) >= 8
    )


# --- text ----------------------------------------------------------------------------------------


#: A WordPiece vocabulary is a few hundred kilobytes; a larger file is refused, not read on.
MAX_VOCAB_BYTES = 64 << 20
_ROLES = {"ids": re.compile(r"input_ids|input_word|word_ids|^ids$|token_ids|^input$", re.I),
          "mask": re.compile(r"mask", re.I),
          "segment": re.compile(r"segment|type_ids|token_type", re.I)}


def bind_text_inputs(app: str, contract: ModelContract, options: BindOptions) -> TextInputs:
    """Token ids (and attention mask and segment ids when the model takes them), plus a vocabulary."""
    fail = _failer(app, contract)
    tokens = [
        t
        for t in contract.inputs
        if t.dtype in ("int32", "int64") and len(t.shape_signature) == 2 and t.shape_signature[0] == 1
    ]
    if len(tokens) != len(contract.inputs) or not tokens:
        raise fail(f"expected int32 token inputs [1, seq_len] (input_ids, attention_mask, token_type_ids); "
             f"found {contract.describe_inputs()}")
    lengths = {t.shape_signature[1] for t in tokens}
    if len(lengths) != 1 or min(lengths) < 8:
        raise fail(
            f"expected token inputs of one fixed sequence length >= 8; found {contract.describe_inputs()}"
        )
    roles: dict[str, TensorInfo] = {}
    for tensor in tokens:
        role = next(
            (r for r, pattern in _ROLES.items() if pattern.search(tensor.key) and r not in roles), None
        )
        if role is None:
            raise fail(
                f"cannot tell what input {tensor.describe()} holds; name inputs input_ids, attention_mask, "
                "token_type_ids"
            )
        roles[role] = tensor
    if "ids" not in roles:
        raise fail(f"no input looks like token ids (input_ids); found {contract.describe_inputs()}")
    vocab = options.vocab or contract.vocab
    if vocab is None:
        raise fail(
            "the model has no vocabulary beside it (vocab.txt); "
            "pass `vocab` FILE with the WordPiece vocabulary it was trained with"
        )
    lowercase = _check_vocab(Path(vocab), fail)
    if roles["ids"].dtype == "int64" or any(t.dtype == "int64" for t in roles.values()):
        raise fail(
            "token inputs are int64; the web and Android runtimes feed int32 — convert with int32 inputs"
        )
    return TextInputs(ids=roles["ids"], mask=roles.get("mask"), segment=roles.get("segment"),
                      seq_len=lengths.pop(), vocab=Path(vocab), lowercase=lowercase)


def _check_vocab(vocab: Path, fail) -> bool:
    try:  # by type first: a FIFO or /dev/zero given as the vocabulary never blocks or fills memory
        words = read_input(vocab, MAX_VOCAB_BYTES).decode("utf-8").splitlines()
    except InputRefused as exc:
        raise fail(f"cannot use vocabulary {vocab}: it {exc.reason}; pass the vocab.txt file") from None
    except UnicodeDecodeError as exc:
        raise fail(f"cannot read vocabulary {vocab}: {exc}") from exc
    missing = [w for w in ("[PAD]", "[UNK]", "[CLS]", "[SEP]") if w not in words]
    if missing:
        raise fail(f"vocabulary {vocab} lacks {', '.join(missing)}; the app needs a BERT WordPiece vocab.txt")
    # An uncased vocabulary has no capitalised whole words; a cased one has thousands.
    return sum(1 for w in words if w[:1].isupper() and not w.startswith("[")) < 100


def bind_span_outputs(
    app: str, contract: ModelContract, text: TextInputs, options: BindOptions
) -> SpanOutputs:
    """Start/end logits over the tokens: two [1, L] outputs, or one [1, L, 2]."""
    fail = _failer(app, contract)
    length = text.seq_len
    per_token = [t for t in contract.outputs if t.dtype == "float32" and t.shape_signature == (1, length)]
    start = [t for t in per_token if "start" in t.key.lower()]
    end = [t for t in per_token if "end" in t.key.lower()]
    if len(start) == 1 and len(end) == 1:
        return SpanOutputs(start=start[0], end=end[0], combined=False, max_answer_len=options.max_answer_len)
    if len(per_token) == 2 and not start and not end:
        return SpanOutputs(
            start=per_token[0], end=per_token[1], combined=False, max_answer_len=options.max_answer_len
        )
    combined = [t for t in contract.outputs if t.dtype == "float32" and t.shape_signature == (1, length, 2)]
    if len(combined) == 1:
        return SpanOutputs(
            start=combined[0], end=combined[0], combined=True, max_answer_len=options.max_answer_len
        )
    raise fail(f"expected float32 start and end logits [1, {length}] (or one [1, {length}, 2]); "
         f"outputs are {contract.describe_outputs()}")


def bind_embedding(
    app: str, contract: ModelContract, text: TextInputs, options: BindOptions
) -> EmbeddingOutput:
    """A sentence embedding [1, D], else token embeddings [1, L, D] to pool."""
    fail = _failer(app, contract)
    if options.output is not None:
        tensors = [_named_output(contract, options.output, fail)]
    else:
        tensors = [
            t for t in contract.outputs if "logit" not in t.key.lower()
        ]  # span/class scores are not embeddings
    pooled = [
        t
        for t in tensors
        if t.dtype == "float32"
        and len(t.shape_signature) == 2
        and t.shape_signature[0] == 1
        and t.shape_signature[1] >= 8
    ]
    per_token = [
        t
        for t in tensors
        if t.dtype == "float32" and len(t.shape_signature) == 3 and t.shape_signature[:2] == (1, text.seq_len)
    ]
    if pooled:
        return EmbeddingOutput(tensor=pooled[0], dim=pooled[0].shape_signature[1], pooled=True)
    if per_token:
        return EmbeddingOutput(tensor=per_token[0], dim=per_token[0].shape_signature[2], pooled=False)
    raise fail(f"expected a float32 embedding output [1, D] or [1, {text.seq_len}, D]; outputs are "
         f"{contract.describe_outputs()}")


# --- helpers -------------------------------------------------------------------------------------


def _failer(app: str, contract: ModelContract):
    """``raise fail(reason)``: the BindingError of this app and model."""
    def fail(reason: str) -> BindingError:
        return BindingError(app, contract.display_name, reason)

    return fail


def _named_output(contract: ModelContract, wanted: str, fail) -> TensorInfo:
    for tensor in contract.outputs:
        if wanted in (tensor.key, tensor.name):
            return tensor
    raise fail(f"no output named {wanted!r}; outputs are {contract.describe_outputs()}")


def _elements(shape: tuple[int, ...]) -> int:
    total = 1
    for dim in shape[1:]:
        total *= max(dim, 0)
    return total


def _plain(value: Any) -> dict[str, Any]:
    """A dataclass as a dict of JSON-ready values (tuples become lists)."""
    def clean(item: Any) -> Any:
        if isinstance(item, (tuple, list)):
            return [clean(i) for i in item]
        if isinstance(item, Path):
            return item.name
        return item

    return {key: clean(item) for key, item in asdict(value).items()}
