"""The local live dashboard over the gold table, and the dashboards defined for Azure.

Kept free of heavy imports: `make demo` imports it only to print the address.
"""

from __future__ import annotations

import os

from environments import ConfigError

HOST = "127.0.0.1"
DEFAULT_PORT = 8050


def port_from_environment(value: str | None = None) -> int:
    """The port `PORT=` asks for, or the default; a bad value is a config error, not a crash."""
    raw = os.environ.get("PORT") if value is None else value
    if not raw:
        return DEFAULT_PORT
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(f"PORT: expected a port number from 1 to 65535, got {raw!r}")
    return int(raw)


def url(port: int | None = None) -> str:
    """The address the dashboard is served on (what `make demo` tells the user to open)."""
    return f"http://{HOST}:{port or port_from_environment()}/"
