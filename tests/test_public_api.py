"""The package's public names: each one resolves, and nothing heavy loads on `import edgekit`."""

import subprocess
import sys

import edgekit


def test_every_public_name_resolves():
    for name in edgekit.__all__:
        assert getattr(edgekit, name) is not None, name


def test_import_is_light():
    code = (
        "import sys, edgekit; "
        "print(sorted(m for m in sys.modules if m.startswith(('numpy', 'ai_edge_litert', 'tensorflow'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_bench_path_never_attempts_to_import_tensorflow(tmp_path):
    """A meta-path hook records every attempt, so this fails even where TensorFlow is not installed."""
    from tests import tflite_builder

    model = tflite_builder.add_chain(tmp_path / "m.tflite", n_ops=1)
    code = f"""
import sys
attempts = []
class Guard:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('tensorflow', 'keras', 'tf_keras'):
            attempts.append(name)
        return None
sys.meta_path.insert(0, Guard())
import edgekit
edgekit.inspect({str(model)!r})
edgekit.bench({str(model)!r}, delegates=['cpu', 'gpu', 'edgetpu'], runs=1, min_seconds=0, max_seconds=1,
              warmup_seconds=0)
from edgekit.cli.main import main
main(['delegates'])
print('ATTEMPTS', attempts)
"""
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=str(tmp_path),
        env={**__import__("os").environ, "PYTHONPATH": str(__import__("pathlib").Path(__file__).parents[1])},
    ).stdout
    assert "ATTEMPTS []" in out
