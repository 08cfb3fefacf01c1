"""Shared test set-up: where the repo is, and which local services the tests may need.

A test that needs PostgreSQL or Redis uses it whenever it is reachable. On a laptop without it the
test is skipped with a message saying so; in CI (env ``CI`` set) the service is required and an
unreachable one fails the test instead.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = bool(os.environ.get("CI"))
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_ADDRESS = ("127.0.0.1", 6379)


def reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when something accepts TCP connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip (laptop) or fail (CI) when a service the test needs is not reachable."""
    if reachable(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message}; CI requires it")
    pytest.skip(f"{message}: start it to run this test (CI requires it)")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The URL of the test PostgreSQL database (skips or fails when it is down, see above)."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    return POSTGRES_URL


@pytest.fixture(scope="session")
def redis_address() -> tuple[str, int]:
    require_service("Redis", *REDIS_ADDRESS)
    return REDIS_ADDRESS
