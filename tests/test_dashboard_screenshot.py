"""docs/dashboard.png: its stamp of the dashboard's files, and the PNG text chunks behind it."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from infra import dashboard_screenshot
from infra.dashboard_screenshot import (
    OUTPUT,
    SOURCES_KEY,
    dashboard_sources_hash,
    png_text,
    with_png_text,
)
from tests.conftest import ROOT


def _tiny_png() -> bytes:
    """Return a valid 1x1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80")
    return (
        dashboard_screenshot.PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def test_png_text_round_trip() -> None:
    stamped = with_png_text(_tiny_png(), SOURCES_KEY, "abc123")
    assert png_text(stamped) == {SOURCES_KEY: "abc123"}
    assert png_text(_tiny_png()) == {}
    assert stamped.endswith(_tiny_png()[-12:])


def test_png_text_rejects_other_data() -> None:
    with pytest.raises(ValueError, match="not a PNG"):
        png_text(b"GIF89a")


def test_sources_hash_follows_files(tmp_path: Path) -> None:
    static = tmp_path / "api" / "chalicelib" / "static"
    static.mkdir(parents=True)
    (static / "main.js").write_text("one")
    (static / "chart.umd.min.js").write_text("library")
    (tmp_path / "package-lock.json").write_text("{}")
    first = dashboard_sources_hash(tmp_path)
    (static / "chart.umd.min.js").write_text("another build of the library")
    assert dashboard_sources_hash(tmp_path) == first
    (static / "main.js").write_text("two")
    assert dashboard_sources_hash(tmp_path) != first


def test_readme_screenshot_is_current() -> None:
    stamp = png_text(OUTPUT.read_bytes()).get(SOURCES_KEY)
    assert stamp == dashboard_sources_hash(), (
        "docs/dashboard.png shows an older dashboard; run `make screenshot` and commit the file"
    )


def test_readme_shows_screenshot() -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"]({OUTPUT.relative_to(ROOT).as_posix()})" in readme
