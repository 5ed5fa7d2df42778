"""What the launchers of Airflow share (``blocklake ui``, ``blocklake cluster``): the Airflow executable and
its admin login, loopback ports, health checks, and waiting for a started process to answer."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from blocklake.errors import BlocklakeError, MissingDependencyError
from orchestration import airflow_env

HOST = "127.0.0.1"
HEALTH_PATH = "/api/v2/monitor/health"
POLL_INTERVAL_S = 1.0


class LaunchError(BlocklakeError):
    """A component could not be started, did not answer, or could not be stopped."""


def ensure_private_passwords_file(path: Path) -> None:
    """Create the simple auth manager's passwords file readable by us alone, with a random admin password.

    Airflow reads this JSON object of user -> password and only generates passwords for users missing
    from it, but it would create the file world-readable.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as file:
            json.dump({airflow_env.ADMIN_USER: secrets.token_urlsafe(12)}, file)
    path.chmod(0o600)


def admin_password(passwords_file: Path) -> str:
    try:
        return json.loads(passwords_file.read_text(encoding="utf-8"))[airflow_env.ADMIN_USER]
    except (OSError, ValueError, KeyError) as exc:
        raise LaunchError(f"no password for '{airflow_env.ADMIN_USER}' in {passwords_file}: {exc!r}") from exc


def airflow_executable() -> Path:
    path = Path(sys.executable).with_name("airflow")
    if not path.exists():
        raise MissingDependencyError(f"{path} not found; install Airflow with `make install`")
    return path


def ensure_port_free(port: int) -> None:
    """Refuse a busy port: the health check would otherwise succeed against whatever already listens there."""
    with socket.socket() as sock:
        # As the API server does: connections of a previous run in TIME_WAIT must not count as busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            raise LaunchError(f"{HOST}:{port} is in use ({exc.strerror}); stop what listens there "
                              "or choose another port") from None


def wait_until_ready(process: subprocess.Popen[bytes], ready: Callable[[], bool], timeout: float, log_path: Path,
                     error: type[BlocklakeError], *, name: str, on_wait: Callable[[], None] | None = None) -> None:
    """Poll ``ready`` until it holds; raise ``error`` with the last lines of the process's log if the process
    exits first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            raise error(f"{name} exited with code {process.returncode} while starting; "
                        f"last lines of {log_path}:\n{tail(log_path)}")
        if time.monotonic() > deadline:
            raise error(f"{name} did not answer within {timeout:.0f}s; last lines of {log_path}:\n{tail(log_path)}")
        if on_wait:
            on_wait()
        time.sleep(POLL_INTERVAL_S)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(cannot read the log: {exc})"
