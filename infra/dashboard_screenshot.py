"""Save docs/dashboard.png, the README's picture of the dashboard: ``make screenshot``.

It starts a local stack in a temporary folder, runs the demo's grid search and
Bayesian optimisation of xz, opens the experiment in headless Chromium and saves
the whole page. The PNG stores a hash of the dashboard's files in a text chunk,
and a test fails when those files change without a new screenshot.
"""

from __future__ import annotations

import argparse
import hashlib
import struct
import sys
import tempfile
import zlib
from pathlib import Path

from infra.browser import chromium_context, log_in
from infra.demo import ApiClient, DemoRunFailed, run_demo_optimisers
from infra.local_stack import LocalStack

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "dashboard.png"
# The chart library is not tracked; package-lock.json pins its version instead.
UNTRACKED_FILES = frozenset({"chart.umd.min.js"})
SOURCES_KEY = "paropt:dashboard-sources"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PAGE_WIDTH = 1280
PAGE_HEIGHT = 900
WAIT_MS = 30_000


def dashboard_sources_hash(root: Path = ROOT) -> str:
    """Return the SHA-256 of the dashboard's tracked files and of package-lock.json."""
    static_dir = root / "api" / "chalicelib" / "static"
    paths = [
        path
        for path in sorted(static_dir.iterdir())
        if path.is_file() and path.name not in UNTRACKED_FILES
    ]
    paths.append(root / "package-lock.json")
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("the data is not a PNG file: its signature is missing")
    chunks = []
    offset = len(PNG_SIGNATURE)
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        chunks.append((kind, png[offset + 8 : offset + 8 + length]))
        offset += 12 + length
    return chunks


def _chunk(kind: bytes, data: bytes) -> bytes:
    checksum = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)


def png_text(png: bytes) -> dict[str, str]:
    """Return the keywords and texts of a PNG's tEXt chunks."""
    texts = {}
    for kind, data in _chunks(png):
        if kind == b"tEXt":
            keyword, _, text = data.partition(b"\0")
            texts[keyword.decode("latin-1")] = text.decode("latin-1")
    return texts


def with_png_text(png: bytes, keyword: str, text: str) -> bytes:
    """Return ``png`` with a tEXt chunk ``keyword``: ``text`` after its header chunk."""
    rebuilt = [PNG_SIGNATURE]
    for kind, data in _chunks(png):
        rebuilt.append(_chunk(kind, data))
        if kind == b"IHDR":
            rebuilt.append(_chunk(b"tEXt", keyword.encode("latin-1") + b"\0" + text.encode()))
    return b"".join(rebuilt)


def take_screenshot(info: dict, experiment_id: str, output: Path) -> None:
    """Open the experiment on the dashboard of a running stack and save the whole page."""
    with chromium_context(width=PAGE_WIDTH, height=PAGE_HEIGHT) as context:
        page = context.new_page()
        log_in(page, info)
        page.goto(f"{info['api_url']}/#/experiments/{experiment_id}")
        page.locator("#trials tbody tr").first.wait_for(timeout=WAIT_MS)
        page.locator("#parallel polyline").first.wait_for(timeout=WAIT_MS)
        png = page.screenshot(full_page=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(with_png_text(png, SOURCES_KEY, dashboard_sources_hash()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output", type=Path, default=OUTPUT, help=f"PNG file to write (default: {OUTPUT})"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="paropt-screenshot-") as state_dir:
        stack = LocalStack(heartbeat_seconds=20, state_dir=Path(state_dir))
        try:
            info = stack.start()
            experiment_id, _ = run_demo_optimisers(ApiClient(info))
            take_screenshot(info, experiment_id, args.output)
        except DemoRunFailed as exc:
            print(exc, file=sys.stderr)
            return 1
        finally:
            stack.stop()
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
