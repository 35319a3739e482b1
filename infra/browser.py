"""Headless Chromium, driven by Playwright, for the dashboard's browser tests and screenshot.

Playwright's own browser download does not work on every machine, so this uses
Debian's ``chromium`` package (``make browser`` installs it). Each context gets a
new, empty profile folder.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

CHROMIUM_PATH = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium connects to Google's services
# at every start, and those connections fail on a machine without internet access.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
LOGIN_SECONDS = 20


@contextmanager
def chromium_context(*, width: int = 1280, height: int = 900) -> Iterator[BrowserContext]:
    """Start Chromium with a fresh profile and yield its browser context.

    Raises:
        RuntimeError: ``/usr/bin/chromium`` is missing.
    """
    if not CHROMIUM_PATH.exists():
        raise RuntimeError(
            f"{CHROMIUM_PATH} is missing; run `make browser`, which installs Debian's chromium"
        )
    from playwright.sync_api import sync_playwright

    with (
        sync_playwright() as playwright,
        tempfile.TemporaryDirectory(prefix="paropt-chromium-") as profile,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM_PATH),
            args=list(CHROMIUM_FLAGS),
            headless=True,
            viewport={"width": width, "height": height},
        )
        try:
            yield context
        finally:
            context.close()


def log_in(page: Page, info: dict[str, Any]) -> None:
    """Open the dashboard and log in on its password form as the local stack's user.

    ``info`` is the content of the local stack's ``local-stack.json``.
    """
    page.goto(f"{info['api_url']}/")
    form = page.locator("#password-login")
    form.locator("[name=username]").fill(info["username"])
    form.locator("[name=password]").fill(info["password"])
    form.locator("[name=local_key]").fill(info["local_key"])
    form.locator("button[type=submit]").click()
    page.locator("#experiments").wait_for(timeout=LOGIN_SECONDS * 1000)
