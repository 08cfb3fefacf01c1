"""Start and stop the three processes: the Rasa engine, the action server and the gateway.

``ankommen run`` uses it for `make run`; the end-to-end tests and benchmarks use :class:`Stack` to run
the real processes on free ports. Each process logs to ``var/log/<name>.log``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "log"
STARTUP_SECONDS = 240.0


def engine_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment Rasa runs with (serving, training, tests): the project on PYTHONPATH for the
    language component, TensorFlow's start-up chatter off."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", **(extra or {})}


class StackError(RuntimeError):
    """A process did not start or died; the message holds the end of its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def newest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise StackError("no trained model in models/: run `make train` (or `make run`)")
    return models[-1]


def _ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local URL
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict[str, str]
    health_url: str
    popen: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return LOG_DIR / f"{self.name}.log"

    def start(self) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:  # the child keeps its own copy of the descriptor
            self.popen = subprocess.Popen(  # noqa: S603 - our own commands
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def ready(self) -> bool:
        return self.alive() and _ok(self.health_url)

    def wait_ready(self, timeout: float = STARTUP_SECONDS) -> None:
        """Wait until the process answers its health check (after a restart, say)."""
        deadline = time.monotonic() + timeout
        while not self.ready():
            if not self.alive():
                raise StackError(f"{self.name} stopped during start-up:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise StackError(f"{self.name} not ready after {timeout:.0f} s:\n{self.tail()}")
            time.sleep(0.5)

    def stop(self, grace: float = 10.0) -> None:
        if not self.alive():
            return
        assert self.popen is not None
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Stack:
    """The engine, the action server and the gateway, on the given (or free) ports."""

    gateway_port: int = 8080
    rasa_port: int = 5005
    actions_port: int = 5055
    model: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)

    @classmethod
    def on_free_ports(cls, **kwargs: object) -> Stack:
        return cls(gateway_port=free_port(), rasa_port=free_port(), actions_port=free_port(), **kwargs)  # type: ignore[arg-type]

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def _build(self) -> None:
        model = self.model or newest_model()
        rasa_venv = Path(os.environ.get("RASA_VENV", ROOT / ".venv-rasa"))
        base = engine_env(self.env)
        actions_url = f"http://127.0.0.1:{self.actions_port}/webhook"
        self.processes = {
            "actions": Process(
                "actions",
                [
                    sys.executable,
                    "-m",
                    "rasa_sdk",
                    "--actions",
                    "actions",
                    "--port",
                    str(self.actions_port),
                ],
                base,
                f"http://127.0.0.1:{self.actions_port}/health",
            ),
            "engine": Process(
                "engine",
                [
                    str(rasa_venv / "bin" / "rasa"),
                    "run",
                    "--enable-api",
                    "-m",
                    str(model),
                    "--port",
                    str(self.rasa_port),
                    "--interface",
                    "127.0.0.1",
                    "--endpoints",
                    "endpoints.yml",
                    "--credentials",
                    "credentials.yml",
                ],
                {**base, "ACTION_SERVER_URL": actions_url},
                f"{self.rasa_url}/status",
            ),
            "gateway": Process(
                "gateway",
                [sys.executable, "-m", "bot"],
                {
                    **base,
                    "RASA_URL": self.rasa_url,
                    "GATEWAY_PORT": str(self.gateway_port),
                    "GATEWAY_HOST": base.get("GATEWAY_HOST", "127.0.0.1"),
                },
                f"{self.gateway_url}/healthz",
            ),
        }

    def start(self, timeout: float = STARTUP_SECONDS) -> None:
        """Start all three and wait until each answers its health check."""
        self._build()
        for process in self.processes.values():
            process.start()
        deadline = time.monotonic() + timeout
        waiting = list(self.processes.values())
        while waiting:
            for process in list(waiting):
                if not process.alive():
                    self.stop()
                    raise StackError(f"{process.name} stopped during start-up:\n{process.tail()}")
                if _ok(process.health_url):
                    waiting.remove(process)
            if time.monotonic() > deadline:
                self.stop()
                raise StackError(f"not ready after {timeout:.0f} s: {', '.join(p.name for p in waiting)}")
            time.sleep(0.5)

    def stop(self) -> None:
        for name in ("gateway", "engine", "actions"):
            if name in self.processes:
                self.processes[name].stop()

    def first_dead(self) -> Process | None:
        return next((p for p in self.processes.values() if not p.alive()), None)

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def run(
    gateway_port: int = 8080, rasa_port: int = 5005, actions_port: int = 5055, model: Path | None = None
) -> int:
    """``ankommen run``: start the stack, print the address, stop everything on Ctrl-C or when one dies."""
    stack = Stack(gateway_port, rasa_port, actions_port, model)
    print(
        "Starting the engine, the action server and the gateway (the engine takes about a minute)...",
        flush=True,
    )
    try:
        stack.start()
    except StackError as exc:
        print(f"Could not start Ankommen: {exc}", file=sys.stderr)
        return 1
    print(
        f"Ankommen is running: open http://127.0.0.1:{gateway_port} (Ctrl-C stops). Logs: var/log/",
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        while (dead := stack.first_dead()) is None:
            time.sleep(1)
        print(f"{dead.name} stopped unexpectedly; stopping the others.\n{dead.tail()}", file=sys.stderr)
        stack.stop()
        return 1
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        stack.stop()
        print("Stopped.")
        return 0
