"""profile on real models: the sum check on pose-landmark-full, the GPU, a diff that finds a slow layer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from edgekit.explain import ProfileResult, profile
from edgekit.explain.graph import Graph
from edgekit.explain.profile import plan_segments
from edgekit.model.model import Model
from edgekit.report.figures import profile_plot
from edgekit.report.kinds import load_document

pytestmark = pytest.mark.slow


def test_pose_landmark_full_on_cpu_sums_to_the_whole(
    zoo_model: Callable[[str], Path], tmp_path: Path
) -> None:
    result = profile(zoo_model("pose-landmark-full"), delegates=["cpu"], seconds=3.0)
    run = result.runs[0]
    assert run.status == "ok", run.reason
    assert run.passed, run.check()
    assert list(run.by_type())[:2] == ["CONV_2D", "DEPTHWISE_CONV_2D"] or list(run.by_type())[0] == "CONV_2D"
    loaded = load_document(result.save(tmp_path / "profile.json"))
    assert isinstance(loaded, ProfileResult) and loaded.runs[0].samples is not None
    assert profile_plot(loaded.to_dict()) is not None  # the HTML report draws its profile section


def test_pose_landmark_full_on_the_gpu(zoo_model: Callable[[str], Path], gpu_available: object) -> None:
    result = profile(zoo_model("pose-landmark-full"), delegates=["gpu"], seconds=2.0)
    run = result.runs[0]
    assert run.status == "ok", run.reason
    assert len(run.segments) == 4 and run.runtime["software"] is not None
    assert run.passed, run.check()


def test_segments_cover_every_compute_op_once(zoo_model: Callable[[str], Path]) -> None:
    graph = Graph.of(Model.open(zoo_model("pose-landmark-full")))
    cuts = plan_segments(graph, 24)
    assert len(cuts) == 24 and cuts[0][0] == 0 and cuts[-1][1] == len(graph.compute) - 1
    assert all(b[0] == a[1] + 1 for a, b in zip(cuts, cuts[1:], strict=False))


def _two_cnns(directory: Path) -> tuple[Path, Path]:
    """Two float CNNs identical except that one middle conv is 8x wider."""
    from tests import tf_models

    tf = tf_models._tensorflow()
    paths = []
    for width in (16, 128):
        inputs = tf.keras.Input(shape=(64, 64, 16), name="image")
        x = tf.keras.layers.Conv2D(16, 3, padding="same", name="a")(inputs)
        x = tf.keras.layers.Conv2D(width, 3, padding="same", name="wide")(x)
        x = tf.keras.layers.Conv2D(16, 1, name="c")(x)  # 1x1: the widened layer stays the costliest
        model = tf.keras.Model(inputs, x)
        paths.append(tf_models.convert_float(model, directory / f"cnn_w{width}.tflite"))
    return paths[0], paths[1]


def test_the_widened_layer_tops_the_profile_diff(tmp_path: Path) -> None:
    old, new = _two_cnns(tmp_path)
    result = profile(new, baseline=old, delegates=["cpu"], seconds=2.0)
    assert result.baseline is not None and result.baseline["aligned"]
    top = result.changes["cpu x1"][0]
    assert "wide" in top["name"] and top["delta_ms"] > 0, result.changes
