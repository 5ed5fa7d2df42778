"""Catalog API under load on loopback: directory search and statistics, then verification, at 200
requests/s.

Registers the district-scale lake built by ``bench.baselayer`` (``var/bench``) in a fresh catalog,
serves it with uvicorn in its own process, and drives an open-loop load (requests start on schedule
whether or not earlier ones finished, so a slow server shows up as latency, not as a lower rate).
Writes ``bench/results/catalog.json``: ``api_p95_ms_at_200rps`` (≤ 50) and ``api_errors`` (= 0), and
what a cache miss costs (``api_uncached_p95_ms``: distinct searches, one at a time); then civil affairs'
verification of 100 resident IDs and names per request against ``base.base_person`` (9 in 10 present,
one name in 20 wrong): ``verify_p95_ms_at_200rps`` (≤ 50) and ``verify_errors`` (= 0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.common import figure, write_results
from blocklake.settings import PROJECT_ROOT, get_settings

PATHS = ("/api/resources?q=人口", "/api/resources?share_type=无条件共享&limit=20", "/api/resources",
         "/api/stats", "/api/resources?layer=base")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=PROJECT_ROOT / "var" / "bench")
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    os.environ["BLOCKLAKE_HOME"] = str(args.home)
    get_settings.cache_clear()
    key = prepare_catalog(args.home)
    bodies = verification_bodies(key)
    port = _free_port()
    log = args.home / "catalog-bench-server.log"
    with log.open("wb") as output:
        server = subprocess.Popen([sys.executable, "-m", "orchestration.cli", "catalog", "--port", str(port)],
                                  env=os.environ.copy(), stdout=output, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            wait_for(port)
            base = f"http://127.0.0.1:{port}"
            latencies, errors = asyncio.run(load(base, key, args.rate, args.seconds, directory_request))
            misses = uncached(base, key)
            asyncio.run(warm_verification(base, key, bodies))
            verified, verify_errors = asyncio.run(load(base, key, args.rate, args.seconds,
                                                       lambda client, number: verify_request(client, bodies, number)))
        finally:
            stop(server)
    p95 = statistics.quantiles(latencies, n=100)[94] * 1000
    path = write_results("catalog", "district", [
        figure("api_p95_ms_at_200rps", p95, "ms", "<= 50"),
        figure("api_errors", errors, "requests", "= 0"),
        figure("api_p50_ms", statistics.median(latencies) * 1000, "ms"),
        figure("api_p99_ms", statistics.quantiles(latencies, n=100)[98] * 1000, "ms"),
        figure("requests", len(latencies) + errors, "requests"),
        figure("api_uncached_p95_ms", statistics.quantiles(misses, n=100)[94] * 1000, "ms"),
        figure("verify_p95_ms_at_200rps", statistics.quantiles(verified, n=100)[94] * 1000, "ms", "<= 50"),
        figure("verify_errors", verify_errors, "requests", "= 0"),
        figure("verify_p50_ms", statistics.median(verified) * 1000, "ms"),
        figure("verify_keys_per_request", KEYS_PER_REQUEST, "keys"),
    ], paths=list(PATHS), rate_per_s=args.rate, seconds=args.seconds)
    print(f"{len(latencies)} requests at {args.rate}/s: p95 {p95:.1f} ms, {errors} errors; verification p95 "
          f"{statistics.quantiles(verified, n=100)[94] * 1000:.1f} ms, {verify_errors} errors; wrote {path}")


def prepare_catalog(home: Path) -> str:
    """A fresh catalog over the benchmark lake, and a department key for the statistics."""
    from sqlalchemy import select

    from catalog import auth, db
    from catalog.models import Department
    from catalog.register import refresh

    shutil.rmtree(home / "catalog", ignore_errors=True)
    refresh()
    with db.session() as session:
        return auth.issue_key(session, session.scalar(select(Department).where(Department.code == "civil")))


KEYS_PER_REQUEST = 100


def verification_bodies(key: str, count: int = 50) -> list[dict]:
    """Civil affairs' verify-only grant on the persons, approved, and ``count`` request bodies of 100 IDs
    with names: 9 in 10 IDs of the published population, the rest valid IDs nobody has; one name in 20
    wrong."""
    import random

    from sqlalchemy import select

    from blocklake import lake
    from catalog import db, sharing
    from catalog.models import Department, Resource

    with db.session() as session:
        persons = session.scalar(select(Resource).where(Resource.source_key == "base.base_person"))
        civil = session.scalar(select(Department).where(Department.code == "civil"))
        application = sharing.apply(session, persons, civil, sharing.ApplicationRequest(
            ["resident_id", "person_name", "residence_grid_code"], "低保年审（基准测试）", method="verify"))
        sharing.decide(session, application, persons.provider, approve=True, reason="基准测试")
        snapshot = persons.published_snapshot
    con = lake.connect(get_settings(), read_only=True)
    people = con.execute(f"SELECT resident_id, person_name FROM lake.base.base_person AT (VERSION => {snapshot}) "
                         "WHERE resident_id IS NOT NULL AND person_name IS NOT NULL USING SAMPLE 5000 ROWS").fetchall()
    con.close()
    rng = random.Random(7)
    bodies = []
    for _ in range(count):
        checks = []
        for resident, name in rng.sample(people, KEYS_PER_REQUEST):
            if rng.random() < 0.1:
                resident = resident[:14] + f"{rng.randrange(1000):03d}" + "X"  # most are invalid, some unknown
            checks.append({"key": resident, "claims": {"person_name": name if rng.random() > 0.05 else "某某"}})
        bodies.append({"resource_code": persons.code, "key_item": "resident_id", "checks": checks})
    return bodies


async def warm_verification(base: str, key: str, bodies: list[dict], connections: int = 16) -> None:
    """Requests at once on fresh connections, so that every worker builds its key index before the
    measured load (about 3 s each at the district: a cold start, not the steady state measured)."""
    import aiohttp

    async def one(number: int) -> None:
        async with (aiohttp.ClientSession(base, headers={"X-API-Key": key}) as client,
                    client.post("/api/verify", json=bodies[number % len(bodies)]) as response):
            await response.read()

    for _ in range(2):
        await asyncio.gather(*(one(number) for number in range(connections)))


def directory_request(client, number: int):
    return client.get(PATHS[number % len(PATHS)])


def verify_request(client, bodies: list[dict], number: int):
    return client.post("/api/verify", json=bodies[number % len(bodies)])


async def load(base: str, key: str, rate: int, seconds: int, send) -> tuple[list[float], int]:
    """Open-loop requests at ``rate``/s over keep-alive connections, each made by ``send(client, number)``;
    returns latencies (s) and failures."""
    import aiohttp

    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=rate)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout,
                                     headers={"X-API-Key": key}) as client:

        async def one(number: int) -> None:
            nonlocal errors
            started = time.perf_counter()
            try:
                async with send(client, number) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                        return
            except (aiohttp.ClientError, TimeoutError):
                errors += 1
                return
            latencies.append(time.perf_counter() - started)

        tasks, start = [], time.perf_counter()
        for number in range(rate * seconds):
            await asyncio.sleep(max(0.0, start + number / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(number)))
        await asyncio.gather(*tasks)
    return latencies, errors


def uncached(base: str, key: str, count: int = 200) -> list[float]:
    """One request at a time, each a search no one asked before: what a cache miss costs."""
    latencies = []
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=10) as client:
        for number in range(count):
            started = time.perf_counter()
            client.get("/api/resources", params={"q": f"人口{number}"}).raise_for_status()
            latencies.append(time.perf_counter() - started)
    return latencies


def stop(server: subprocess.Popen) -> None:
    """Stop the catalog and its worker processes: gracefully, or after 30 s (a backlog still being
    answered) by killing the whole process group."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, timeout: float = 60) -> None:
    """Until the catalog on ``port`` answers, or RuntimeError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"the catalog did not start on port {port} within {timeout:.0f} s")


if __name__ == "__main__":
    main()
