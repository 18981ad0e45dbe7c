"""Golden vectors for question answering: the app's pipeline run in Python on a fixed question.

Pipeline (the apps implement exactly this):

1. Tokenize question and passage (:mod:`edgekit.inputs.wordpiece`), encode
   ``[CLS] question [SEP] passage [SEP]`` with segment ids 0 then 1, truncated longest-first
   and padded to the model's sequence length.
2. Run the model: start and end logits per token (two [1, L] outputs, or one [1, L, 2] whose
   last axis is start, end).
3. Pick the span (s, e) with the largest ``start[s] + end[e]`` (summed in float64) such that both
   lie on passage tokens (not the question, not [SEP], not padding), ``s <= e`` and
   ``e - s + 1 <= max_answer_len``. Ties go to the smaller s, then the smaller e.
4. The answer is the passage from the first character of token s to the last of token e, as
   written (original case and accents).

Files written into the golden folder:

``input.json``
    ``{"question": str, "passage": str}`` — the fixed input.
``expected.json``
    ``schema_version`` (1), ``task`` ("qa"), ``model_sha256``, ``seq_len``, ``max_answer_len``;
    ``input_ids``, ``attention_mask``, ``token_type_ids``: the encoded input, ``seq_len`` ints each;
    ``passage_tokens``: ``[first, last]`` positions of the passage's pieces in the sequence;
    ``start_logits``, ``end_logits``: ``seq_len`` floats each (rounded to 8 decimals);
    ``span``: ``{"start", "end", "score"}`` — token positions in the sequence and the summed logits;
    ``span_margin``: how far the best span's score is above the next best valid span's;
    ``answer``: the answer text;
    ``tokenizer_cases``: ``[{"text", "ids"}]`` — piece ids (no special tokens) of strings that
    exercise every normalisation rule;
    ``tolerance``: ``{"logits_abs"}`` — the largest absolute logit difference a runtime may show.
    A parity test compares ids and tokenizer cases exactly and logits within ``logits_abs``; it
    requires the same span when ``span_margin > 2 * logits_abs``, else any span whose score (on
    the golden logits) is within ``2 * logits_abs`` of the best.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgekit.scaffold.contract import ModelContract
from edgekit.scaffold.golden.run import run_model
from edgekit.scaffold.golden.text_common import (
    SCHEMA_VERSION,
    float_list,
    model_inputs,
    tokenizer_cases,
    tokenizer_for,
)
from edgekit.version import __version__

__all__ = ["QUESTION", "PASSAGE", "Span", "best_span", "make_golden"]

QUESTION = "When did volunteers reopen the railway?"
PASSAGE = (
    "The Larkspur Valley railway opened in 1887 to carry slate from the quarries at Pen-y-Graig down to "
    "the harbour at Aberfenni. Its narrow gauge of two feet let the line follow the river through tight "
    "bends, and the steepest stretch, near Hafod Bridge, climbs one metre in every forty. Passenger "
    "trains were added in 1893, and for some summers the railway carried more tourists than slate. The "
    "last quarry closed in 1946; volunteers reopened the line as a heritage railway in 1972, and today "
    "its steam locomotives run from April to October."
)
#: Logits of the same float32 model in LiteRT, tfjs-tflite (WASM) and TF.js differ by ~1e-5.
LOGITS_ABS = 1e-3


@dataclass(frozen=True)
class Span:
    """The chosen answer span: token positions (inclusive) and ``start[s] + end[e]``."""

    start: int
    end: int
    score: float


def best_span(start_logits: Sequence[float] | np.ndarray, end_logits: Sequence[float] | np.ndarray,
              first: int, last: int, max_answer_len: int) -> tuple[Span, float]:
    """The best span within positions ``first..last`` and its margin over the next best one.

    The margin is ``inf`` when only one span is possible. Ties go to the smaller start, then end.
    """
    if last < first:
        raise ValueError(f"no passage tokens to answer from (positions {first}..{last})")
    if max_answer_len < 1:
        raise ValueError(f"max_answer_len {max_answer_len} allows no span; it must be at least 1")
    best = Span(first, first, float(start_logits[first]) + float(end_logits[first]))
    runner_up = -np.inf
    for s in range(first, last + 1):
        for e in range(s, min(last, s + max_answer_len - 1) + 1):
            score = float(start_logits[s]) + float(end_logits[e])
            if (s, e) == (first, first):
                continue
            if score > best.score:
                runner_up = max(runner_up, best.score)
                best = Span(s, e, score)
            else:
                runner_up = max(runner_up, score)
    return best, best.score - runner_up


def make_golden(contract: ModelContract, binding: dict[str, Any], dest: Path) -> dict[str, Any]:
    """Write ``input.json`` and ``expected.json`` (see the module docstring) into ``dest``."""
    text, span_role = binding["text"], binding["span"]
    tokenizer = tokenizer_for(text)
    encoded = tokenizer.encode_pieces(tokenizer.pieces(QUESTION), text.seq_len, tokenizer.pieces(PASSAGE))
    outputs = run_model(contract, model_inputs(text, encoded))
    start_logits, end_logits = _logits(outputs, span_role)
    first = encoded.second_offset
    last = first + len(encoded.second) - 1
    span, margin = best_span(start_logits, end_logits, first, last, span_role.max_answer_len)
    answer = PASSAGE[encoded.second[span.start - first].start:encoded.second[span.end - first].end]
    expected = {
        "schema_version": SCHEMA_VERSION, "task": "qa", "edgekit_version": __version__,
        "model_sha256": contract.sha256, "seq_len": text.seq_len, "max_answer_len": span_role.max_answer_len,
        "input_ids": encoded.ids, "attention_mask": encoded.mask, "token_type_ids": encoded.types,
        "passage_tokens": [first, last],
        "start_logits": float_list(start_logits), "end_logits": float_list(end_logits),
        "span": {"start": span.start, "end": span.end, "score": round(span.score, 8)},
        "span_margin": round(margin, 8) if np.isfinite(margin) else None,
        "answer": answer,
        "tokenizer_cases": tokenizer_cases(tokenizer),
        "tolerance": {"logits_abs": LOGITS_ABS},
    }
    _write_json(dest / "input.json", {"question": QUESTION, "passage": PASSAGE})
    _write_json(dest / "expected.json", expected)
    return {"input": "input.json", "expected": "expected.json", "answer": answer,
            "tolerance": {"logits_abs": LOGITS_ABS}}


def _logits(outputs: dict[str, np.ndarray], span_role: Any) -> tuple[np.ndarray, np.ndarray]:
    if span_role.combined:
        both = outputs[span_role.start.key].reshape(-1, 2)
        return both[:, 0], both[:, 1]
    return outputs[span_role.start.key].reshape(-1), outputs[span_role.end.key].reshape(-1)


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
