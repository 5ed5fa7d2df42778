"""``blocklake ui`` / ``make ui``: Airflow standalone serving Blocklake's DAGs on loopback.

``airflow standalone`` runs the scheduler, DAG processor, triggerer and API server (which also serves
the UI) as children of one process. :func:`start` launches it in its own process group, waits until
the API server answers and reads the admin password Airflow generated; :func:`serve` is the command
around it and the browser tests drive the same :func:`start`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import NoReturn

from blocklake import airflow_env
from blocklake.errors import BlocklakeError, MissingDependencyError
from blocklake.pipeline import prepare_airflow
from blocklake.settings import Settings, get_settings

HOST = "127.0.0.1"
HEALTH_PATH = "/api/v2/monitor/health"
STARTUP_TIMEOUT_S = 180.0  # first start on a 2-core machine: DB check, four processes, API workers
STOP_TIMEOUT_S = 30.0
POLL_INTERVAL_S = 1.0


class AirflowUIError(BlocklakeError):
    """Airflow standalone could not be started or stopped."""


@dataclass
class RunningAirflow:
    """A started ``airflow standalone``: where it answers, how to log in, and how to stop it."""

    process: subprocess.Popen[bytes]
    url: str
    username: str
    password: str
    log_path: Path

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int:
        """Stop every process of the standalone group; returns the standalone's exit code."""
        return _stop_group(self.process, timeout)


def serve(port: int = 8080) -> int:
    """Start Airflow, print its URL and login, and run until Ctrl-C or SIGTERM."""
    # SIGTERM takes the same path as Ctrl-C so Airflow is always shut down with us.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    airflow: RunningAirflow | None = None
    try:
        print(f"==> Airflow standalone on http://{HOST}:{port} ", end="", flush=True)
        clock = time.monotonic()
        airflow = start(port, on_wait=lambda: print(".", end="", flush=True))
        print(f" up ({time.monotonic() - clock:.0f}s)")
        _print_login(airflow)
        code = airflow.process.wait()
        print(f"airflow standalone exited by itself (code {code}); see {airflow.log_path}", file=sys.stderr)
        return code or 1
    except KeyboardInterrupt:
        if airflow is None:
            return 130  # interrupted while starting; start() already stopped what it launched
        print("\n==> stopping Airflow ...", flush=True)
        airflow.stop()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def start(port: int = 8080, *, settings: Settings | None = None, timeout: float = STARTUP_TIMEOUT_S,
          on_wait: Callable[[], None] | None = None) -> RunningAirflow:
    """Prepare the metadata DB, launch ``airflow standalone`` on ``127.0.0.1:port`` and wait until it answers."""
    settings = settings or get_settings()
    _ensure_port_free(port)
    airflow = _airflow_executable()
    prepare_airflow(settings)
    env = standalone_environment(settings, port)
    log_path = Path(env["AIRFLOW_HOME"]) / "standalone.log"
    with log_path.open("wb") as log:
        # Own session: Ctrl-C in the terminal reaches only us, and stop() can signal the whole group.
        process = subprocess.Popen([str(airflow), "standalone"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    url = env["AIRFLOW__API__BASE_URL"]
    try:
        _wait_until_healthy(process, url, log_path, timeout, on_wait)
        password = admin_password(Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]))
    except BaseException:
        _stop_group(process, STOP_TIMEOUT_S)
        raise
    return RunningAirflow(process=process, url=url, username=airflow_env.ADMIN_USER, password=password,
                          log_path=log_path)


def standalone_environment(settings: Settings, port: int) -> dict[str, str]:
    """The embedded deployment's variables, with the API server (and thus the UI) on loopback at ``port``."""
    url = f"http://{HOST}:{port}"
    return {
        **os.environ,
        **airflow_env.environment(settings),
        "AIRFLOW__API__HOST": HOST,
        "AIRFLOW__API__PORT": str(port),
        # Also where the executor's task processes find the execution API (``{base_url}/execution/``).
        "AIRFLOW__API__BASE_URL": url,
        # Standalone launches its components as a bare ``airflow``, so this venv must come first on PATH.
        "PATH": os.pathsep.join([str(_airflow_executable().parent), os.environ.get("PATH", "")]),
    }


def admin_password(passwords_file: Path) -> str:
    """The admin password the simple auth manager generated into its passwords file on first start."""
    try:
        passwords = json.loads(passwords_file.read_text(encoding="utf-8"))
        return passwords[airflow_env.ADMIN_USER]
    except (OSError, ValueError, KeyError) as exc:
        raise AirflowUIError(f"no password for '{airflow_env.ADMIN_USER}' in {passwords_file}: {exc}") from exc


def _airflow_executable() -> Path:
    path = Path(sys.executable).with_name("airflow")
    if not path.exists():
        raise MissingDependencyError(f"{path} not found; install Airflow with `make install`")
    return path


def _ensure_port_free(port: int) -> None:
    """Refuse a busy port: the health check would otherwise succeed against whatever already listens there."""
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            raise AirflowUIError(f"{HOST}:{port} is in use ({exc.strerror}); choose another with --port") from None


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log_path: Path, timeout: float,
                        on_wait: Callable[[], None] | None) -> None:
    deadline = time.monotonic() + timeout
    while not _answers(url + HEALTH_PATH):
        if process.poll() is not None:
            raise AirflowUIError(f"airflow standalone exited with code {process.returncode} while starting; "
                                 f"last lines of {log_path}:\n{_tail(log_path)}")
        if time.monotonic() > deadline:
            raise AirflowUIError(f"Airflow's API server did not answer on {url} within {timeout:.0f}s; "
                                 f"last lines of {log_path}:\n{_tail(log_path)}")
        if on_wait:
            on_wait()
        time.sleep(POLL_INTERVAL_S)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop_group(process: subprocess.Popen[bytes], timeout: float) -> int:
    """SIGINT first (standalone shuts its components down on KeyboardInterrupt), then SIGTERM, then SIGKILL."""
    group = process.pid  # leader of its own session, so pid == process group id
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        _signal_group(group, sig)
        if _group_gone(process, group, timeout):
            return process.returncode
    raise AirflowUIError(f"airflow standalone (process group {group}) survived SIGKILL")


def _group_gone(process: subprocess.Popen[bytes], group: int, timeout: float) -> bool:
    """Wait for the leader and then every straggler (API workers, task processes) of the group."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None and not _group_alive(group):
            return True
        time.sleep(0.2)
    return False


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _signal_group(group: int, sig: signal.Signals) -> None:
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        pass


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(cannot read the log: {exc})"


def _print_login(airflow: RunningAirflow) -> None:
    print(f"  Airflow UI : {airflow.url}")
    print(f"  login      : {airflow.username} / {airflow.password}")
    print(f"  log        : {airflow.log_path}")
    print("  Ctrl-C stops Airflow.", flush=True)


def _interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt
