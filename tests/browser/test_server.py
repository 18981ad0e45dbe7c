"""The local server: registered routes only, cross-origin isolation headers, WebAssembly's MIME type."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from edgekit.browser.server import ISOLATION_HEADERS, serving


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_registered_files_go_out_with_isolation_headers_and_their_types(tmp_path):
    wasm = tmp_path / "runtime.wasm"
    wasm.write_bytes(b"\0asm\1\0\0\0")
    with serving() as server:
        assert server.origin.startswith("http://127.0.0.1:")
        status, headers, body = _get(server.add("/r/runtime.wasm", wasm))
        assert status == 200 and body == wasm.read_bytes()
        assert headers["Content-Type"] == "application/wasm"
        for name, value in ISOLATION_HEADERS.items():
            assert headers[name] == value
        status, headers, _ = _get(server.add("/page.js", b"1;"))
        assert status == 200 and headers["Content-Type"].startswith("text/javascript")


def test_nothing_but_the_registered_routes_is_served(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not serve")
    model = tmp_path / "models" / "model.json"
    model.parent.mkdir()
    model.write_text("{}")
    with serving() as server:
        server.add("/models/m/model.json", model)
        for path in ("/models/m/../../secret.txt", "/models/m/%2e%2e/%2e%2e/secret.txt", "/secret.txt",
                     "/models/m/", "/"):
            status, headers, body = _get(server.origin + path)
            assert status == 404 and b"do not serve" not in body, path
            assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"
        assert "/secret.txt" in server.misses


@pytest.mark.parametrize("route", ["relative.js", "/a/../b.js", ""])
def test_routes_must_be_plain_absolute_paths(route):
    with serving() as server, pytest.raises(ValueError):
        server.add(route, b"")
