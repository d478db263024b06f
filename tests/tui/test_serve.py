"""`purrr tui --serve`: the dashboard served to a browser by textual-serve. The test fetches the
page over HTTP and then plays the browser's part on its WebSocket, reading the cats the dashboard
draws (no headless Chromium on this machine for a real browser's test)."""

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
