"""``blocklake ui`` / ``make ui``: Airflow standalone serving Blocklake's DAGs on loopback.

``airflow standalone`` runs the scheduler, DAG processor, triggerer and API server (which also serves
the UI) as children of one process. :func:`start` launches it in its own process group, waits until
the API server answers and hands back the URL and admin login; :func:`serve` is the command around
it, and the browser tests drive the same :func:`start`.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
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

import psutil

from blocklake.errors import BlocklakeError, MissingDependencyError
from blocklake.settings import Settings, get_settings
from orchestration import airflow_env
from orchestration.pipeline import prepare_airflow

HOST = "127.0.0.1"
HEALTH_PATH = "/api/v2/monitor/health"
STARTUP_TIMEOUT_S = 180.0  # first start on a 2-core machine: DB check, four processes, API workers
STOP_TIMEOUT_S = 30.0
POLL_INTERVAL_S = 1.0


class AirflowUIError(BlocklakeError):
    """Airflow standalone could not be started or stopped."""


@dataclass(frozen=True)
class RunningAirflow:
    """A started ``airflow standalone``: where it answers, how to log in, and how to stop it."""

    process: subprocess.Popen[bytes]
    url: str
    username: str
    password: str
    log_path: Path

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Stop standalone and every process it started."""
        _stop(self.process, timeout)


def serve(port: int = 8080) -> int:
    """Start Airflow, print its URL and login, and run until Ctrl-C or SIGTERM."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM takes the Ctrl-C path, so Airflow stops with us
    try:
        return _serve(port)
    except KeyboardInterrupt:
        return 130  # interrupted while starting: start() has already stopped what it launched
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def start(port: int = 8080, *, settings: Settings | None = None, timeout: float = STARTUP_TIMEOUT_S,
          on_wait: Callable[[], None] | None = None) -> RunningAirflow:
    """Prepare the metadata DB, launch ``airflow standalone`` on ``127.0.0.1:port`` and wait until it answers."""
    settings = settings or get_settings()
    _ensure_port_free(port)
    airflow = _airflow_executable()
    prepare_airflow(settings)
    env = _environment(settings, port, airflow.parent)
    passwords_file = Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
    _ensure_private_passwords_file(passwords_file)
    log_path = Path(env["AIRFLOW_HOME"]) / "standalone.log"
    with log_path.open("wb") as log:
        # Own session: Ctrl-C in the terminal reaches only us, and _stop() can signal the whole group.
        process = subprocess.Popen([str(airflow), "standalone"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    url = env["AIRFLOW__API__BASE_URL"]
    try:
        _wait_until_healthy(process, url, log_path, timeout, on_wait)
        password = _admin_password(passwords_file)
    except BaseException:  # Ctrl-C included: never leave a half-started Airflow behind
        _stop(process, STOP_TIMEOUT_S)
        raise
    return RunningAirflow(process=process, url=url, username=airflow_env.ADMIN_USER, password=password,
                          log_path=log_path)


def _serve(port: int) -> int:
    print(f"==> starting Airflow standalone on http://{HOST}:{port}", flush=True)
    clock = time.monotonic()
    try:
        airflow = start(port, on_wait=lambda: print(".", end="", flush=True))
    finally:
        print(flush=True)  # end the line of progress dots, also when start() fails
    print(f"==> Airflow is up ({time.monotonic() - clock:.0f}s)")
    _print_login(airflow)
    try:
        code = airflow.process.wait()
    except KeyboardInterrupt:
        print("\n==> stopping Airflow ...", flush=True)
        # A second Ctrl-C must not leave Airflow half stopped.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        airflow.stop()
        return 0
    print(f"airflow standalone exited by itself (code {code}); see {airflow.log_path}", file=sys.stderr)
    airflow.stop()  # its components may have outlived it
    return code or 1


def _environment(settings: Settings, port: int, airflow_bin: Path) -> dict[str, str]:
    """The embedded deployment's variables, with the API server (and thus the UI) on loopback at ``port``."""
    return {
        **os.environ,
        **airflow_env.environment(settings),
        "AIRFLOW__API__HOST": HOST,
        "AIRFLOW__API__PORT": str(port),
        # Also where the executor's task processes find the execution API (``{base_url}/execution/``).
        "AIRFLOW__API__BASE_URL": f"http://{HOST}:{port}",
        # Standalone launches its components as a bare ``airflow``, so this venv must come first on PATH.
        "PATH": os.pathsep.join([str(airflow_bin), os.environ.get("PATH", "")]),
    }


def _ensure_private_passwords_file(path: Path) -> None:
    """Create the simple auth manager's passwords file readable by us alone, with a random admin password.

    Airflow reads this JSON object of user -> password and only generates passwords for users missing
    from it, but it would create the file world-readable.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as file:
            json.dump({airflow_env.ADMIN_USER: secrets.token_urlsafe(12)}, file)
    path.chmod(0o600)


def _admin_password(passwords_file: Path) -> str:
    try:
        return json.loads(passwords_file.read_text(encoding="utf-8"))[airflow_env.ADMIN_USER]
    except (OSError, ValueError, KeyError) as exc:
        raise AirflowUIError(f"no password for '{airflow_env.ADMIN_USER}' in {passwords_file}: {exc!r}") from exc


def _airflow_executable() -> Path:
    path = Path(sys.executable).with_name("airflow")
    if not path.exists():
        raise MissingDependencyError(f"{path} not found; install Airflow with `make install`")
    return path


def _ensure_port_free(port: int) -> None:
    """Refuse a busy port: the health check would otherwise succeed against whatever already listens there."""
    with socket.socket() as sock:
        # As the API server does: connections of a previous run in TIME_WAIT must not count as busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            raise AirflowUIError(f"{HOST}:{port} is in use ({exc.strerror}); choose another with --port") from None


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log_path: Path, timeout: float,
                        on_wait: Callable[[], None] | None) -> None:
    wait_until_ready(process, lambda: _answers(url + HEALTH_PATH), timeout, log_path, AirflowUIError,
                     name=f"airflow standalone ({url})", on_wait=on_wait)


def wait_until_ready(process: subprocess.Popen[bytes], ready: Callable[[], bool], timeout: float, log_path: Path,
                     error: type[BlocklakeError], *, name: str, on_wait: Callable[[], None] | None = None) -> None:
    """Poll ``ready`` until it holds; raise ``error`` with the last lines of the process's log if the process
    exits first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            raise error(f"{name} exited with code {process.returncode} while starting; "
                        f"last lines of {log_path}:\n{_tail(log_path)}")
        if time.monotonic() > deadline:
            raise error(f"{name} did not answer within {timeout:.0f}s; last lines of {log_path}:\n{_tail(log_path)}")
        if on_wait:
            on_wait()
        time.sleep(POLL_INTERVAL_S)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Stop standalone and everything it started.

    Does what standalone does on Ctrl-C (SIGTERM to each component, which stops its own children), but
    without SIGINT: a shell's background job inherits SIGINT as ignored, and SIGINT to the whole group
    can deadlock LocalExecutor workers that are interrupted while holding their shared queue's lock.
    """
    if process.poll() is None:
        _terminate_components(process.pid, timeout)
    group = process.pid  # leader of its own session, so pid == process group id
    for sig in (signal.SIGTERM, signal.SIGKILL):  # standalone itself, then any straggler
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, sig)
        if _group_gone(process, group, timeout):
            return
    raise AirflowUIError(f"airflow standalone (process group {group}) survived SIGKILL")


def _terminate_components(pid: int, timeout: float) -> None:
    try:
        components = psutil.Process(pid).children()
    except psutil.NoSuchProcess:
        return
    for component in components:
        with contextlib.suppress(psutil.NoSuchProcess):
            component.terminate()
    deadline = time.monotonic() + timeout
    while any(map(_running, components)) and time.monotonic() < deadline:
        time.sleep(0.2)


def _running(process: psutil.Process) -> bool:
    """Standalone never reaps its components, so one that has exited stays a zombie until standalone does."""
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


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
