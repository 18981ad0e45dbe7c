"""Explain a model's time and error op by op: ``profile`` (time per op or segment) and ``bisect``.

Both work on sub-models cut from the ``.tflite`` flatbuffer with LiteRT's own schema
(:mod:`.rewrite`), planned on the model's graph (:mod:`.graph`), and run by the real runtimes in
worker processes. :mod:`.profile` times segments of the graph against the whole model in one
interleaved worker; :mod:`.bisect` exposes intermediate tensors as outputs and names the first op
whose error jumps.
"""

from __future__ import annotations

from edgekit.explain.bisect import BisectResult, bisect
from edgekit.explain.profile import profile
from edgekit.explain.result import ProfileResult

__all__ = ["BisectResult", "ProfileResult", "bisect", "profile"]
