"""Binding: each role binds real-looking contracts and refuses with one precise line otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgekit.errors import EXIT_BAD_INPUT, UsageError
from edgekit.model.contract import Quantization, TensorInfo
from edgekit.model.model import Model
from edgekit.scaffold import binding as b
from edgekit.scaffold.contract import ModelContract


def tensor(
    key: str,
    shape: tuple[int, ...],
    dtype: str = "float32",
    position: int = 0,
    producer: str | None = None,
    scale: float | None = None,
) -> TensorInfo:
    quantization = Quantization((scale,), (0,)) if scale is not None else None
    static = tuple(max(d, 1) for d in shape)
    return TensorInfo(0, f"{key}:0", static, shape, dtype, quantization, key=key, position=position,
                      producer=producer)


def contract(inputs, outputs, hints=None, vocab: Path | None = None) -> ModelContract:
    model = Model.from_signature("m.tflite", "tflite", inputs, outputs)
    return ModelContract(model, "m.tflite", vocab, hints or {})


IMAGE = tensor("image", (1, 256, 256, 3))
BLAZEPOSE = [tensor("Identity", (1, 195)), tensor("Identity_1", (1, 1), position=1),
             tensor("Identity_2", (1, 256, 256, 1), position=2, producer="CONV_2D"),
             tensor("Identity_3", (1, 64, 64, 39), position=3), tensor("Identity_4", (1, 117), position=4)]


@pytest.fixture
def vocab(tmp_path: Path) -> Path:
    path = tmp_path / "vocab.txt"
    path.write_text(
        "\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cat", "##s"]) + "\n", encoding="utf-8"
    )
    return path


def test_float_image_needs_a_value_range():
    with pytest.raises(b.BindingError) as caught:
        b.bind_image_input("pose-web", contract([IMAGE], BLAZEPOSE), b.BindOptions())
    message = str(caught.value)
    assert "'image' float32 [1, 256, 256, 3]" in message and "`normalize` 0,1" in message
    assert caught.value.exit_code == EXIT_BAD_INPUT


def test_normalize_option_wins_over_hint():
    model = contract([IMAGE], BLAZEPOSE, hints={"normalize": [0, 1]})
    assert b.bind_image_input("pose-web", model, b.BindOptions()).normalize == (0.0, 1.0)
    bound = b.bind_image_input("pose-web", model, b.BindOptions(normalize=(-1.0, 1.0)))
    assert (bound.height, bound.width, bound.channels, bound.normalize) == (256, 256, 3, (-1.0, 1.0))


def test_int_image_takes_raw_pixels_and_refuses_normalize():
    model = contract([tensor("input", (1, 192, 192, 3), "int32")], [tensor("Identity", (1, 1, 17, 3))])
    assert b.bind_image_input("pose-web", model, b.BindOptions()).normalize is None
    with pytest.raises(b.BindingError, match="`normalize` applies to float32"):
        b.bind_image_input("pose-web", model, b.BindOptions(normalize=(0.0, 1.0)))


@pytest.mark.parametrize(
    "shape, found",
    [
        ((1, 256, 256), "found 1 input"),
        ((2, 64, 64, 3), "not [1, H, W, 3]"),
        ((1, -1, -1, 3), "dynamic dimension"),
    ],
)
def test_image_shape_refusals(shape, found):
    with pytest.raises(b.BindingError, match=found.replace("[", r"\[").replace("]", r"\]")):
        b.bind_image_input(
            "pose-web", contract([tensor("x", shape)], BLAZEPOSE), b.BindOptions(normalize=(0, 1))
        )


def test_movenet_layout_is_read_from_the_shape():
    model = contract([tensor("input", (1, 192, 192, 3), "int32")], [tensor("Identity", (1, 1, 17, 3))])
    image = b.bind_image_input("pose-web", model, b.BindOptions())
    points = b.bind_keypoints("pose-web", model, image, b.BindOptions())
    assert (points.count, points.stride, points.coords, points.score_activation) == (
        17,
        3,
        "normalized",
        "none",
    )
    assert (
        points.to_dict()["y_index"] == 0 and points.to_dict()["x_index"] == 1 and len(points.skeleton) == 16
    )


def test_blazepose_needs_its_layout_then_binds_the_named_output():
    model = contract([IMAGE], BLAZEPOSE)
    options = b.BindOptions(normalize=(0.0, 1.0))
    image = b.bind_image_input("pose-web", model, options)
    with pytest.raises(b.BindingError, match="`keypoints` COUNTxVALUES|pick one with `output`"):
        b.bind_keypoints("pose-web", model, image, options)
    points = b.bind_keypoints("pose-web", model, image, b.BindOptions(keypoints=(33, 5), output="Identity"))
    assert (points.tensor.key, points.count, points.coords, points.score_activation) == (
        "Identity",
        33,
        "pixels",
        "sigmoid",
    )
    hinted = contract([IMAGE], BLAZEPOSE, hints={"keypoints": "33x5", "keypoint_output": "Identity"})
    assert b.bind_keypoints("pose-web", hinted, image, options).tensor.key == "Identity"


def test_keypoint_output_too_small_is_refused():
    model = contract([IMAGE], [tensor("Identity", (1, 30))])
    image = b.bind_image_input("pose-web", model, b.BindOptions(normalize=(0, 1)))
    with pytest.raises(b.BindingError, match=r"at least 33x5 values; found 'Identity' float32 \[1, 30\]"):
        b.bind_keypoints("pose-web", model, image, b.BindOptions(keypoints=(33, 5), output="Identity"))


def test_mask_activation_follows_the_producing_op():
    sigmoid = contract([IMAGE], [tensor("mask", (1, 256, 256, 1), producer="LOGISTIC")])
    image = b.bind_image_input("bodypix-web", sigmoid, b.BindOptions(normalize=(0, 1)))
    assert b.bind_mask("bodypix-web", sigmoid, image, b.BindOptions()).activation == "none"
    logits = contract([IMAGE], [tensor("mask", (1, 128, 128, 2), producer="CONV_2D")])
    mask = b.bind_mask("bodypix-web", logits, image, b.BindOptions())
    assert (mask.activation, mask.person_channel, mask.height) == ("softmax", 1, 128)


def test_mask_ambiguity_and_absence_are_refused():
    two = contract([IMAGE], [tensor("a", (1, 64, 64, 1)), tensor("b", (1, 64, 64, 1), position=1)])
    image = b.bind_image_input("bodypix-web", two, b.BindOptions(normalize=(0, 1)))
    with pytest.raises(
        b.BindingError, match="2 outputs could be the mask \\('a', 'b'\\); pick one with `output`"
    ):
        b.bind_mask("bodypix-web", two, image, b.BindOptions())
    assert b.bind_mask("bodypix-web", two, image, b.BindOptions(output="b")).tensor.key == "b"
    none = contract([IMAGE], [tensor("scores", (1, 1001))])
    with pytest.raises(
        b.BindingError, match=r"expected a float32 mask output .*'scores' float32 \[1, 1001\]"
    ):
        b.bind_mask("bodypix-web", none, image, b.BindOptions())


def text_contract(vocab: Path | None, outputs=None) -> ModelContract:
    inputs = [tensor("attention_mask", (1, 64), "int32"), tensor("input_ids", (1, 64), "int32", position=1),
              tensor("token_type_ids", (1, 64), "int32", position=2)]
    outputs = outputs or [tensor("start_logits", (1, 64)), tensor("end_logits", (1, 64), position=1)]
    return contract(inputs, outputs, vocab=vocab)


def test_text_inputs_bind_by_name(vocab):
    text = b.bind_text_inputs("qa-web", text_contract(vocab), b.BindOptions())
    assert (text.ids.key, text.mask.key, text.segment.key, text.seq_len, text.lowercase) == \
        ("input_ids", "attention_mask", "token_type_ids", 64, True)
    span = b.bind_span_outputs("qa-web", text_contract(vocab), text, b.BindOptions(max_answer_len=12))
    assert (span.start.key, span.end.key, span.combined, span.max_answer_len) == (
        "start_logits",
        "end_logits",
        False,
        12,
    )


def test_text_model_without_vocab_names_the_option():
    with pytest.raises(b.BindingError, match="pass `vocab` FILE"):
        b.bind_text_inputs("qa-web", text_contract(None), b.BindOptions())


def test_vocab_without_special_tokens_is_refused(tmp_path):
    bad = tmp_path / "vocab.txt"
    bad.write_text("hello\nworld\n", encoding="utf-8")
    with pytest.raises(b.BindingError, match=r"lacks \[PAD\], \[UNK\], \[CLS\], \[SEP\]"):
        b.bind_text_inputs("qa-web", text_contract(bad), b.BindOptions())


def test_embedding_model_is_refused_by_qa_with_its_outputs(vocab):
    encoder = text_contract(vocab, outputs=[tensor("embedding", (1, 384))])
    text = b.bind_text_inputs("qa-web", encoder, b.BindOptions())
    with pytest.raises(b.BindingError) as caught:
        b.bind_span_outputs("qa-web", encoder, text, b.BindOptions())
    assert str(caught.value) == ("qa-web cannot use m.tflite: expected float32 start and end logits [1, 64] "
                                 "(or one [1, 64, 2]); outputs are 'embedding' float32 [1, 384]")
    assert b.bind_embedding("smart-scroll-web", encoder, text, b.BindOptions()).dim == 384


def test_combined_span_output_binds_as_both(vocab):
    model = text_contract(vocab, outputs=[tensor("logits", (1, 64, 2))])
    text = b.bind_text_inputs("qa-web", model, b.BindOptions())
    span = b.bind_span_outputs("qa-web", model, text, b.BindOptions())
    assert span.combined and span.start is span.end


def test_image_model_is_refused_by_text_apps(vocab):
    with pytest.raises(
        b.BindingError, match=r"expected int32 token inputs .*found 'image' float32 \[1, 256, 256, 3\]"
    ):
        b.bind_text_inputs("qa-web", contract([IMAGE], BLAZEPOSE, vocab=vocab), b.BindOptions())


@pytest.mark.parametrize(
    "text, parsed", [("0,1", (0.0, 1.0)), (" -1 , 1 ", (-1.0, 1.0)), ("0,255", (0.0, 255.0))]
)
def test_parse_normalize(text, parsed):
    assert b.parse_normalize(text) == parsed


@pytest.mark.parametrize("text", ["1", "1,0", "a,b", "0,1,2"])
def test_parse_normalize_rejects(text):
    with pytest.raises(UsageError, match="^normalize: "):
        b.parse_normalize(text)


def test_parse_keypoints():
    assert b.parse_keypoints("33x5") == (33, 5) and b.parse_keypoints("17X3") == (17, 3)
    for bad in ("33", "33x4", "0x3", "x5"):
        with pytest.raises(UsageError, match="^keypoints: "):
            b.parse_keypoints(bad)
