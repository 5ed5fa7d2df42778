"""``blocklake cluster``: the cluster deployment profile, started in the foreground.

The profile: the lake catalog in PostgreSQL, the lake's data in an S3 bucket (MinIO), Airflow's metadata in
PostgreSQL, Airflow's CeleryExecutor with Redis as broker and several Celery workers, and the catalog store
in PostgreSQL. :func:`start` checks every service the profile needs (with the exact fix when one is missing),
prepares the databases, then runs the chosen components as separate processes — the Airflow API server,
scheduler and DAG processor, ``workers`` Celery workers and the catalog server — and waits until each
answers. :func:`serve` is the command around it (Ctrl-C stops them all). On one machine it runs the whole
stack, as ``make test-cluster`` does; on a real cluster each machine starts its share (``--components``).
docs/deploy.md describes the real deployment.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import NoReturn

import psutil
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from blocklake.errors import BlocklakeError, ConfigError
from blocklake.settings import Settings, get_settings
from orchestration import airflow_env
from orchestration.launch import (
    HEALTH_PATH,
    LaunchError,
    admin_password,
    airflow_executable,
    answers,
    ensure_port_free,
    ensure_private_passwords_file,
    tail,
    wait_until_ready,
)

COMPONENTS = ("api-server", "scheduler", "dag-processor", "worker", "catalog")
WORKER_NAME_VARIABLE = "BLOCKLAKE_WORKER_NAME"
# psycopg 3 is the PostgreSQL driver installed (no psycopg2, no asyncpg): one URL serves sync and asyncio.
PSYCOPG = "postgresql+psycopg://"
STARTUP_TIMEOUT_S = 240.0  # an API server on a busy 2-core machine takes a minute or two
STOP_TIMEOUT_S = 60.0  # a worker's warm shutdown waits for its running tasks this long
SERVICE_TIMEOUT_S = 5.0


class ClusterError(LaunchError):
    """A component of the cluster could not be started, or stopped by itself."""


class ServiceUnavailableError(ClusterError):
    """A service the cluster profile needs (Redis, a PostgreSQL database, the bucket) is not there."""

    transient = True


class ClusterSettings(BaseSettings):
    """The cluster's own settings, ``BLOCKLAKE_CLUSTER_*``; the lake's and the catalog store's are Blocklake's."""

    model_config = SettingsConfigDict(env_prefix="BLOCKLAKE_CLUSTER_", extra="ignore")

    airflow_db: str = Field("", description="Airflow's metadata DB: postgresql+psycopg://user@host:5432/airflow.")
    broker_url: str = Field("redis://127.0.0.1:6379/0", description="Celery broker (Redis).")
    result_backend: str = Field("", description="Celery result backend; empty: db+<airflow_db>.")
    api_host: str = Field("127.0.0.1", description="Where the Airflow API server listens.")
    api_port: int = Field(8080, ge=1, le=65535)
    execution_api_url: str = Field("", description="The Execution API workers call; empty: on api_host:api_port.")
    workers: int = Field(2, ge=0, le=32, description="Celery workers on this machine.")
    worker_concurrency: int = Field(2, ge=1, le=256, description="Tasks one worker runs at once.")
    queue: str = Field("default", pattern=r"^[A-Za-z0-9_.-]+$", description="The Celery queue tasks go to.")

    @property
    def execution_api(self) -> str:
        return self.execution_api_url or f"http://{self.api_host}:{self.api_port}/execution/"


def load_cluster_settings(**overrides: object) -> ClusterSettings:
    """``BLOCKLAKE_CLUSTER_*`` over defaults, then ``overrides`` (the command line's options) over both."""
    try:
        loaded = ClusterSettings()
        return ClusterSettings.model_validate({**loaded.model_dump(), **overrides})
    except ValidationError as exc:
        problems = "; ".join(f"BLOCKLAKE_CLUSTER_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}"
                             for e in exc.errors())
        raise ConfigError(f"invalid cluster setting: {problems}") from None


def check_profile(settings: Settings, cluster: ClusterSettings) -> None:
    """Refuse a configuration that is not the cluster profile, naming each setting to change."""
    problems = [problem for ok, problem in (
        (settings.lake_catalog_uri.startswith("postgres:"),
         "BLOCKLAKE_LAKE_CATALOG must be a PostgreSQL catalog ('postgres:dbname=lake host=… user=…'): workers "
         "on several machines commit to the lake at the same time, which a SQLite catalog cannot take"),
        (settings.lake_on_s3,
         "BLOCKLAKE_LAKE_DATA_PATH must be s3://bucket/prefix/ (MinIO) with BLOCKLAKE_S3_ENDPOINT: a local "
         "folder is not seen by workers on other machines"),
        (settings.catalog_db.startswith(PSYCOPG),
         f"BLOCKLAKE_CATALOG_DB must be {PSYCOPG}user@host:5432/catalog: the catalog store is written by tasks "
         "on every worker"),
        (cluster.airflow_db.startswith(PSYCOPG),
         f"BLOCKLAKE_CLUSTER_AIRFLOW_DB must be {PSYCOPG}user@host:5432/airflow: Airflow's CeleryExecutor "
         "cannot use a SQLite metadata DB"),
        (cluster.broker_url.startswith(("redis://", "rediss://")),
         "BLOCKLAKE_CLUSTER_BROKER_URL must be redis://host:6379/0 (the profile's broker is Redis)"),
    ) if not ok]
    if problems:
        raise ConfigError("not the cluster profile:\n  - " + "\n  - ".join(problems))


def environment(settings: Settings, cluster: ClusterSettings) -> dict[str, str]:
    """Every component's environment: the embedded deployment's, made a cluster by the profile's variables.

    The profile's own variables (executor, databases, broker, Execution API) must not be contradicted by
    the environment; any other AIRFLOW__* value already set there wins, as in the embedded deployment.
    """
    profile = {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": cluster.airflow_db,
        # Airflow would derive postgresql+asyncpg:// for its async sessions; psycopg 3 does asyncio itself.
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": cluster.airflow_db,
        "AIRFLOW__CELERY__BROKER_URL": cluster.broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": cluster.result_backend or f"db+{cluster.airflow_db}",
        # Workers run tasks through the API server's Execution API, not through the database.
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": cluster.execution_api,
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": cluster.queue,
    }
    _refuse_contradictions(profile)
    tuning = {
        "AIRFLOW__API__HOST": cluster.api_host,
        "AIRFLOW__API__PORT": str(cluster.api_port),
        "AIRFLOW__API__BASE_URL": f"http://{cluster.api_host}:{cluster.api_port}",
        # The scheduler queues no more than the workers here can take; with the workers on other machines
        # their total is unknown here: Airflow's default, until AIRFLOW__CORE__PARALLELISM says it.
        "AIRFLOW__CORE__PARALLELISM": str(cluster.workers * cluster.worker_concurrency or 32),
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(cluster.worker_concurrency),
        # Redis re-delivers a task not acknowledged within this time; a city-scale load takes over an hour.
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "21600",
        **shared_secrets(settings),
    }
    embedded = airflow_env.environment(settings)
    return {**os.environ, **embedded, **{key: os.environ.get(key, value) for key, value in tuning.items()},
            **profile}


def _refuse_contradictions(profile: dict[str, str]) -> None:
    clashing = [name for name, value in profile.items() if os.environ.get(name, value) != value]
    if clashing:
        raise ConfigError(f"the environment sets {', '.join(clashing)} otherwise than the cluster profile; unset "
                          "it there (the profile derives it from the BLOCKLAKE_CLUSTER_* and BLOCKLAKE_* settings)")


def shared_secrets(settings: Settings) -> dict[str, str]:
    """The secrets every component must share: the JWT key tasks authenticate with, the API's session key
    and the Fernet key of stored connections. Kept in ``<home>/airflow/cluster-secrets.json`` (mode 0600)
    so a restart keeps them; values in the environment (from a secrets manager) win."""
    path = airflow_env.airflow_home(settings) / "cluster-secrets.json"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        generated = {"AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(48),
                     "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(48),
                     "AIRFLOW__CORE__FERNET_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode()}
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as file:
            json.dump(generated, file)
    stored = json.loads(path.read_text(encoding="utf-8"))
    return {name: os.environ.get(name, value) for name, value in stored.items()}


def task_hostname() -> str:
    """Airflow's ``[core] hostname_callable`` in workers: the Celery node name when several workers share a
    machine, so the UI and the metadata DB tell them apart; else the machine's name, as Airflow's default."""
    from airflow.utils.net import getfqdn

    return os.environ.get(WORKER_NAME_VARIABLE) or getfqdn()


@dataclass(frozen=True)
class Component:
    """One process of the cluster: its name, command line and the variables it adds to the environment."""

    name: str
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    node: str | None = None  # a Celery worker's node name, as ``celery inspect`` and Flower show it


def plan(selected: Iterable[str], cluster: ClusterSettings) -> list[Component]:
    """The components to start on this machine, in start order."""
    from celery.utils.nodenames import host_format

    chosen = set(selected)
    airflow = str(airflow_executable())
    planned = [Component(name, (airflow, name)) for name in ("api-server", "scheduler", "dag-processor")
               if name in chosen]
    workers = cluster.workers if "worker" in chosen else 0
    for number in range(1, workers + 1):
        node = host_format(f"worker{number}@%h")
        argv = [airflow, "celery", "worker", "--celery-hostname", node, "--queues", cluster.queue,
                "--concurrency", str(cluster.worker_concurrency)]
        # Logs are on this disk when the API server runs here; else worker 1 serves them (one port per machine).
        if "api-server" in chosen or number > 1:
            argv.append("--skip-serve-logs")
        named = {WORKER_NAME_VARIABLE: node, "AIRFLOW__CORE__HOSTNAME_CALLABLE": "orchestration.cluster.task_hostname"}
        planned.append(Component(f"worker{number}", tuple(argv), named if workers > 1 else {}, node))
    if "catalog" in chosen:
        planned.append(Component("catalog", (str(Path(sys.executable).with_name("blocklake")), "catalog")))
    return planned


def check_services(settings: Settings, cluster: ClusterSettings) -> list[str]:
    """Reach every service of the profile; raise :class:`ServiceUnavailableError` with the fix if one is missing."""
    broker = urllib.parse.urlsplit(cluster.broker_url)
    bucket = settings.lake_data_uri.removeprefix("s3://").split("/", 1)[0]
    checks: list[tuple[str, Callable[[], object], str]] = [
        (f"Redis (Celery broker) at {broker.hostname}:{broker.port or 6379}", lambda: _ping_redis(cluster.broker_url),
         "start it: `make services` (installs and starts redis-server on 127.0.0.1:6379), or "
         "`redis-server --daemonize yes --bind 127.0.0.1 --port 6379`; or set BLOCKLAKE_CLUSTER_BROKER_URL"),
        _database_check("Airflow's metadata DB", cluster.airflow_db, "BLOCKLAKE_CLUSTER_AIRFLOW_DB"),
        _database_check("the lake catalog", _libpq_to_url(settings.lake_catalog_uri.removeprefix("postgres:")),
                        "BLOCKLAKE_LAKE_CATALOG"),
        _database_check("the catalog store", settings.catalog_db, "BLOCKLAKE_CATALOG_DB"),
        (f"bucket '{bucket}' at {settings.s3_endpoint}", lambda: _require_bucket(settings, bucket),
         f"create it (MinIO: `mc mb <alias>/{bucket}`), or check BLOCKLAKE_S3_ENDPOINT and the access keys"),
    ]
    for what, probe, fix in checks:
        try:
            probe()
        except Exception as exc:
            raise ServiceUnavailableError(f"{what} is not reachable ({_first_line(exc)}); {fix}") from exc
    return [what for what, _, _ in checks]


def _ping_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=SERVICE_TIMEOUT_S, socket_timeout=SERVICE_TIMEOUT_S)
    try:
        client.ping()
    finally:
        client.close()


def _database_check(what: str, url: str, setting: str) -> tuple[str, Callable[[], object], str]:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    where = f"{parsed.host or '127.0.0.1'}:{parsed.port or 5432}/{parsed.database}"
    fix = (f"start PostgreSQL (`make services`) and create the database: `createdb -h {parsed.host or '127.0.0.1'} "
           f"-p {parsed.port or 5432} -U {parsed.username or 'postgres'} {parsed.database}`, or correct {setting}")
    return f"{what} (PostgreSQL {where})", lambda: _connect(url), fix


def _connect(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": int(SERVICE_TIMEOUT_S)})
    try:
        with engine.connect() as con:
            con.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def _libpq_to_url(dsn: str) -> str:
    """``dbname=lake host=… user=…`` (DuckLake's form) as the SQLAlchemy URL of the same database."""
    from psycopg.conninfo import conninfo_to_dict
    from sqlalchemy.engine import URL

    parts = conninfo_to_dict(dsn)
    return URL.create("postgresql+psycopg", username=parts.get("user"), password=parts.get("password"),
                      host=parts.get("host"), port=int(parts["port"]) if parts.get("port") else None,
                      database=parts.get("dbname")).render_as_string(hide_password=False)


def _require_bucket(settings: Settings, bucket: str) -> None:
    from minio import Minio

    client = Minio(settings.s3_endpoint, access_key=settings.s3_access_key, secret_key=settings.s3_secret_key,
                   secure=settings.s3_use_ssl, region=settings.s3_region)
    if not client.bucket_exists(bucket):
        raise FileNotFoundError(f"no bucket '{bucket}'")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def prepare(settings: Settings) -> list[str]:
    """Create or migrate what the components share, once, before any of them starts: Airflow's metadata DB,
    the lake's catalog, schemas and ledger tables, the catalog store's tables. Tasks starting side by side on
    an empty lake would race to create the same table, and all but one would fail their DuckLake commit."""
    from blocklake import lake
    from catalog import db
    from ingestion.loads import ensure_ledger
    from orchestration.pipeline import prepare_airflow
    from quality.store import ensure_tables

    prepare_airflow(settings)
    con = lake.connect(settings)
    try:
        ensure_ledger(con)
        ensure_tables(con)
    finally:
        con.close()
    db.upgrade(settings.catalog_db)
    return ["Airflow's metadata DB", "lake catalog and ledgers", "catalog store"]


@dataclass
class RunningCluster:
    """The started components: where to find them, how to log in, and how to stop them all."""

    processes: dict[str, subprocess.Popen[bytes]]
    log_dir: Path
    url: str | None = None
    username: str = airflow_env.ADMIN_USER
    password: str | None = None
    workers: list[str] = field(default_factory=list)

    def exited(self) -> tuple[str, int] | None:
        """The first component that has exited by itself, with its exit code."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                return name, process.returncode
        return None

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Stop every component, the last started first: workers finish before the API they report to."""
        for name in reversed(list(self.processes)):
            _stop_process(self.processes[name], timeout)

    def log(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"


def start(selected: Iterable[str] = COMPONENTS, *, cluster: ClusterSettings | None = None,
          say: Callable[[str], None] = lambda line: None) -> RunningCluster:
    """Check the profile and its services, prepare the databases, start ``selected`` components and wait until
    each answers. Applies the cluster's environment to this process (Airflow reads it when imported)."""
    settings, cluster = get_settings(), cluster or load_cluster_settings()
    selected = [name for name in COMPONENTS if name in set(selected)]
    check_profile(settings, cluster)
    env = environment(settings, cluster)
    os.environ.update(env)
    say(f"services reachable: {'; '.join(check_services(settings, cluster))}")
    if "scheduler" in selected:  # the scheduler's machine owns migrations: one migrator, whatever the machines
        say(f"prepared: {', '.join(prepare(settings))}")
    _ensure_ports_free(selected, settings, cluster)
    if "api-server" in selected:
        ensure_private_passwords_file(Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]))
    running = RunningCluster({}, airflow_env.airflow_home(settings) / "cluster-logs")
    running.log_dir.mkdir(parents=True, exist_ok=True)
    try:
        for component in plan(selected, cluster):
            running.processes[component.name] = _launch(component, env, running.log(component.name))
            _wait_until_ready(component, running, _readiness(component, settings, cluster))
            running.workers += [component.node] if component.node else []
            say(f"{component.name:<13} up (pid {running.processes[component.name].pid}, "
                f"log {running.log(component.name)})")
    except BaseException:  # Ctrl-C included: never leave a half-started cluster behind
        running.stop()
        raise
    if "api-server" in selected:
        running.url = env["AIRFLOW__API__BASE_URL"]
        running.password = admin_password(Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]))
    return running


def _ensure_ports_free(selected: list[str], settings: Settings, cluster: ClusterSettings) -> None:
    """A busy port would let the readiness check succeed against whatever already listens there."""
    ports = {"api-server": (cluster.api_port, "BLOCKLAKE_CLUSTER_API_PORT or --port"),
             "catalog": (settings.catalog_port, "BLOCKLAKE_CATALOG_PORT")}
    for name, (port, setting) in ports.items():
        if name in selected:
            try:
                ensure_port_free(port)
            except BlocklakeError as exc:
                raise ClusterError(f"{name}: {exc}; set {setting}") from None


def _launch(component: Component, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        # Own session: Ctrl-C in the terminal reaches only the launcher, which stops the components in order.
        return subprocess.Popen(component.argv, env={**env, **component.env}, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def _wait_until_ready(component: Component, running: RunningCluster, ready: Callable[[], bool]) -> None:
    wait_until_ready(running.processes[component.name], ready, STARTUP_TIMEOUT_S, running.log(component.name),
                     ClusterError, name=component.name)


def _readiness(component: Component, settings: Settings, cluster: ClusterSettings) -> Callable[[], bool]:
    """When the component is up: the API server and the catalog answer HTTP, a worker a Celery ping; the
    scheduler and the DAG processor have no endpoint of their own, so they only have to stay up a moment."""
    if component.name == "api-server":
        return lambda: answers(f"http://{cluster.api_host}:{cluster.api_port}{HEALTH_PATH}")
    if component.name == "catalog":
        return lambda: answers(f"http://127.0.0.1:{settings.catalog_port}/")
    if component.node:
        return lambda: _celeryanswers(cluster.broker_url, component.node)
    started = time.monotonic()
    return lambda: time.monotonic() - started > 3


def _celeryanswers(broker_url: str, node: str) -> bool:
    from celery import Celery

    app = Celery(broker=broker_url)
    try:
        return any(node in reply for reply in app.control.ping(destination=[node], timeout=1.0))
    except Exception:  # the broker's connection is refused or reset while the worker starts: not ready yet
        return False
    finally:
        app.close()


def _stop_process(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM to the component (each stops its own children in order), SIGKILL to its process group and
    any descendant that outlived it."""
    family: list[psutil.Process] = []
    with contextlib.suppress(psutil.NoSuchProcess):
        family = psutil.Process(process.pid).children(recursive=True)  # before they are orphaned
    if process.poll() is None:
        process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # leader of its own session: pid == process group id
    for straggler in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            straggler.kill()
    process.wait()


def serve(selected: Iterable[str] = COMPONENTS, *, cluster: ClusterSettings | None = None) -> int:
    """Start the cluster's components, print where they answer, and run until Ctrl-C or SIGTERM."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM takes the Ctrl-C path, so the components stop with us
    try:
        return _serve(selected, cluster)
    except KeyboardInterrupt:
        return 130  # interrupted while starting: start() has already stopped what it launched
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(selected: Iterable[str], cluster: ClusterSettings | None) -> int:
    clock = time.monotonic()
    running = start(selected, cluster=cluster, say=lambda line: print(f"==> {line}", flush=True))
    _print_summary(running, time.monotonic() - clock)
    try:
        while (exited := running.exited()) is None:
            time.sleep(1)
    except KeyboardInterrupt:
        print("\n==> stopping the cluster ...", flush=True)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave it half stopped
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        running.stop()
        print("==> stopped", flush=True)
        return 0
    name, code = exited
    print(f"{name} exited by itself (code {code}); last lines of {running.log(name)}:\n{tail(running.log(name))}",
          file=sys.stderr)
    running.stop()
    return code or 1


def _print_summary(running: RunningCluster, seconds: float) -> None:
    print(f"==> Blocklake cluster is up ({seconds:.0f}s): {', '.join(running.processes)}", flush=True)
    if running.url:
        print(f"  Airflow UI : {running.url}  (login {running.username} / {running.password})")
    if running.workers:
        print(f"  workers    : {', '.join(running.workers)} (CeleryExecutor)")
    if "catalog" in running.processes:
        print(f"  catalog    : http://127.0.0.1:{get_settings().catalog_port}/")
    print(f"  logs       : {running.log_dir}/")
    print("  Ctrl-C stops every component.", flush=True)


def _interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt
