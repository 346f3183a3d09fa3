"""A real browser on the real dashboard: `python -m dashboard` on a free port, headless Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager, suppress
from html.parser import HTMLParser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    # Virtual time runs the page's first fetch and render to completion before the dump.
    "--virtual-time-budget=8000",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium_path() -> str:
    path = shutil.which("chromium")
    if not path:
        pytest.fail("chromium is not installed: run `make setup` (scripts/setup.d/dashboard.sh)")
    return path


@contextmanager
def serve(*args: str):
    """Start `python -m dashboard *args` on a free port; gives its URL, stops it afterwards."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard", *args],
        cwd=REPO,
        env=os.environ | {"PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the dashboard exited: {proc.stderr.read().decode()}")
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("the dashboard did not start listening")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


def run_chromium(chromium: str, profile: Path, *args: str) -> str:
    """Run headless Chromium once; on a hang, kill its whole process group."""
    proc = subprocess.Popen(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode()


class Node:
    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs, self.text, self.children = tag, attrs, "", []

    def all(self):
        yield self
        for child in self.children:
            yield from child.all()

    def find(self, **attrs: str) -> list[Node]:
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [n for n in self.all() if all(n.attrs.get(k) == v for k, v in wanted.items())]


class DomParser(HTMLParser):
    """The dumped DOM as a tree of nodes, each with the text inside it."""

    VOID = {"meta", "link", "br", "img", "input", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        self.handle_data(" ")  # element boundaries separate words, as on screen
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        while len(self.stack) > 1:
            node = self.stack.pop()
            if node.tag == tag:
                break

    def handle_data(self, data):
        for node in self.stack:
            node.text += data


def rendered(chromium: str, url: str, profile: Path) -> Node:
    parser = DomParser()
    parser.feed(run_chromium(chromium, profile, "--dump-dom", url))
    return parser.root


def text_of(dom: Node, **attrs: str) -> str:
    (node,) = dom.find(**attrs)
    return " ".join(node.text.split())
