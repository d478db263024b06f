"""`purrr tui --serve`: the dashboard served to a browser by textual-serve. A real headless
Chromium (Selenium, the system's chromedriver) opens the page and the test reads the cats from the
page's terminal; another test plays the browser's part on the WebSocket itself, and the page and
the missing-extra error are checked over plain HTTP."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("textual_serve")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(purrr_env: Path, cats: Any) -> Any:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "purrr_cli", "tui", "--serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=dict(os.environ),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    out = process.stdout.read().decode() if process.stdout else ""
                    raise AssertionError(f"purrr tui --serve did not start:\n{out}") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_answers_with_the_dashboard_page(served: str) -> None:
    page = httpx.get(served, timeout=10)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "/ws" in page.text and "purrr" in page.text


async def test_a_browser_tab_gets_a_dashboard_with_the_cats(served: str) -> None:
    import aiohttp

    seen = ""
    async with aiohttp.ClientSession() as session:
        ws_url = served.replace("http:", "ws:") + "/ws?width=100&height=30"
        async with session.ws_connect(ws_url) as ws:
            await ws.send_json(["resize", {"width": 100, "height": 30}])
            deadline = asyncio.get_running_loop().time() + 60
            while "Luna" not in seen:
                left = deadline - asyncio.get_running_loop().time()
                assert left > 0, f"no cats in the served dashboard:\n{seen[-2000:]}"
                message = await ws.receive(timeout=left)
                if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    raise AssertionError(f"the dashboard closed:\n{seen[-2000:]}")
                data = message.data
                seen += data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
            await ws.send_json(["stdin", "q"])
    assert "Mittens" in seen and "Bandit" in seen


def test_serve_without_textual_serve_says_how_to_get_it(
    purrr_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from purrr_cli.errors import UsageError
    from purrr_cli.tui import serve

    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    with pytest.raises(UsageError, match=r"pip install 'purrr\[web\]'"):
        serve.serve("127.0.0.1", 8000, None, None)


#: Chromium and the chromedriver of the same build, as Debian installs them (.ci/run does).
CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromedriver")

#: textual-serve's page keeps its xterm.js terminal private and draws it on a canvas, so there
#: are no DOM rows to read: before the page's script runs, catch the terminal it assigns to its
#: `terminal` property (`this.terminal = new Terminal(…)`) and keep it where the test finds it.
CATCH_TERMINAL = """
window.__terminals = [];
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true});
    if (value && value.buffer && value.buffer.active) window.__terminals.push(value);
  },
});
"""
#: The terminal's screen as text, one line per row.
SCREEN_TEXT = """
const terminal = window.__terminals[0];
if (!terminal) return null;
const buffer = terminal.buffer.active, lines = [];
for (let y = 0; y < terminal.rows; y++) {
  const line = buffer.getLine(buffer.viewportY + y);
  lines.push(line ? line.translateToString(true) : "");
}
return lines.join("\\n");
"""


@pytest.fixture
def chromium() -> Any:
    """Headless Chromium under Selenium, with the system's chromedriver named explicitly (so
    Selenium Manager never looks for a driver on the internet)."""
    browser, driver_path = CHROMIUM
    if not all(os.path.exists(p) for p in CHROMIUM):
        pytest.skip(
            f"no headless Chromium here ({browser} and {driver_path}): "
            "apt-get install chromium chromium-driver (.ci/run does)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument("--window-size=1200,800")
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        driver.set_page_load_timeout(20)
        driver.set_script_timeout(10)
        yield driver
    finally:
        driver.quit()


@pytest.mark.timeout(60)
def test_headless_chromium_shows_the_cats(served: str, chromium: Any) -> None:
    chromium.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_TERMINAL})
    chromium.get(served)
    screen = ""
    deadline = time.monotonic() + 25
    while not all(name in screen for name in ("Mittens", "Bandit", "Luna")):
        assert time.monotonic() < deadline, f"no cats in the browser's terminal:\n{screen}"
        time.sleep(0.2)
        screen = chromium.execute_script(SCREEN_TEXT) or ""
    assert "purrr" in screen and "Cats" in screen
