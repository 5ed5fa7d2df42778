"""``blocklake ui`` / ``make ui``: Airflow standalone serving Blocklake's DAGs on loopback.

``airflow standalone`` runs the scheduler, DAG processor, triggerer and API server (which also serves
the UI) as children of one process. :func:`start` launches it in its own process group, waits until
the API server answers and hands back the URL and admin login; :func:`serve` is the command around
it, and the browser tests drive the same :func:`start`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import NoReturn

import psutil

from blocklake.settings import Settings, get_settings
from orchestration import airflow_env, launch
from orchestration.launch import HEALTH_PATH, HOST
from orchestration.pipeline import prepare_airflow

STARTUP_TIMEOUT_S = 180.0  # first start on a 2-core machine: DB check, four processes, API workers
STOP_TIMEOUT_S = 30.0


class AirflowUIError(launch.LaunchError):
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
    launch.ensure_port_free(port)
    airflow = launch.airflow_executable()
    prepare_airflow(settings)
    env = _environment(settings, port, airflow.parent)
    passwords_file = Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
    launch.ensure_private_passwords_file(passwords_file)
    log_path = Path(env["AIRFLOW_HOME"]) / "standalone.log"
    with log_path.open("wb") as log:
        # Own session: Ctrl-C in the terminal reaches only us, and _stop() can signal the whole group.
        process = subprocess.Popen([str(airflow), "standalone"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    url = env["AIRFLOW__API__BASE_URL"]
    try:
        _wait_until_healthy(process, url, log_path, timeout, on_wait)
        password = launch.admin_password(passwords_file)
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


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log_path: Path, timeout: float,
                        on_wait: Callable[[], None] | None) -> None:
    launch.wait_until_ready(process, lambda: launch.answers(url + HEALTH_PATH), timeout, log_path, AirflowUIError,
                     name=f"airflow standalone ({url})", on_wait=on_wait)


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


def _print_login(airflow: RunningAirflow) -> None:
    print(f"  Airflow UI : {airflow.url}")
    print(f"  login      : {airflow.username} / {airflow.password}")
    print(f"  log        : {airflow.log_path}")
    print("  Ctrl-C stops Airflow.", flush=True)


def _interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt
