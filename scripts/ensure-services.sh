#!/usr/bin/env bash
# Make sure the real services the tests use are running on loopback: PostgreSQL (trust auth for
# 127.0.0.1, database "test"), MariaDB (root without password, database "test"), Redis (the cluster
# profile's Celery broker, 127.0.0.1:6379) and Chromium with a CJK font for the browser tests. Already running: nothing to do. Missing: install from Debian packages and start
# them (needs root); if that is impossible, fail with the reason — tests never skip silently.
set -euo pipefail

say() { printf '%s\n' "services: $*"; }
die() { printf '%s\n' "services: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@" || die "need root for: $*"; fi; }
apt_install() {
  say "installing $* from Debian packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

postgres_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
ensure_postgres() {
  postgres_up && return 0
  command -v pg_ctlcluster >/dev/null || apt_install postgresql postgresql-client
  local version; version=$(ls /etc/postgresql | sort -V | tail -n 1)
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  # Loopback only, trust: the tests' DSN carries no password.
  grep -q '^host all all 127.0.0.1/32 trust' "$hba" || as_root sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 30); do postgres_up && break; sleep 1; done
  postgres_up || die "PostgreSQL did not start on 127.0.0.1:5432"
  psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE test" >/dev/null
  say "PostgreSQL started"
}

mariadb_up() { mariadb-admin --protocol=tcp -h 127.0.0.1 -uroot ping >/dev/null 2>&1; }
ensure_mariadb() {
  mariadb_up && return 0
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || apt_install mariadb-server mariadb-client
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  for _ in $(seq 30); do mariadb-admin ping >/dev/null 2>&1 && break; sleep 1; done
  # Debian's root logs in by socket only; allow the passwordless TCP login the tests use (loopback only).
  as_root mariadb -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');
                      CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
                      GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
                      CREATE DATABASE IF NOT EXISTS test;" || true
  mariadb_up || die "MariaDB did not accept root@127.0.0.1 on port 3306"
  say "MariaDB started"
}

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
ensure_redis() {
  redis_up && return 0
  command -v redis-server >/dev/null || apt_install redis-server
  # Loopback only, no persistence: a broker for tests and for `blocklake cluster` on one machine.
  as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no
  for _ in $(seq 30); do redis_up && break; sleep 1; done
  redis_up || die "Redis did not start on 127.0.0.1:6379"
  say "Redis started"
}

ensure_chromium() {
  command -v chromium >/dev/null || apt_install chromium
  # Without a CJK font every Chinese character of a screenshot is an empty box.
  fc-list :lang=zh 2>/dev/null | grep -q . || apt_install fonts-noto-cjk
}

ensure_postgres
ensure_mariadb
ensure_redis
ensure_chromium
