# pg.sh — a throw-away PostgreSQL server for a test, from Debian's binaries
# (package postgresql, installed by `make deps`). Sourced after lib.sh.
#
#   pg_start   initdb + start on a private socket directory (no TCP), sets
#              $PG_URL (postgresql:// URL of database "mlprov") and $PG_DIR;
#              $PG_OPTS: server options (default: no fsync, for tests)
#   pg_stop    stops the server and removes its files (also run at exit)
#
# PostgreSQL refuses to run as root: as root the server runs as the
# "postgres" user (created by the Debian package), else as the current user.
# The data lives in its own mktemp directory, outside $T (mode 0700, root's).
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
PG_DIR=
PG_URL=

_pg_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    echo "# PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin): run make deps" >&2
    return 1
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "# running as root and there is no postgres user to run the server as" >&2
    return 1
  fi
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mlprov-pg.XXXXXX") || return 1
  chmod 755 "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
  _pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync -E UTF8 --locale=C \
    >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  # no TCP, socket in our own directory: nothing to collide with. Tests run
  # without fsync (a server thrown away at the end); PG_OPTS replaces that
  # (the benchmark wants durable commits).
  local port=$((20000 + $$ % 20000))
  local opts=${PG_OPTS:--c fsync=off -c synchronous_commit=off -c full_page_writes=off}
  _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses= -k $PG_DIR -p $port $opts" \
    start >/dev/null 2>&1 || { cat "$PG_DIR/server.log" >&2; return 1; }
  _pg_as "$PG_BIN/psql" -h "$PG_DIR" -p "$port" -U postgres -d postgres -qAt -c "CREATE DATABASE mlprov" >/dev/null \
    || return 1
  PG_URL="postgresql:///mlprov?host=$PG_DIR&port=$port&user=postgres"
  trap 'pg_stop; rm -rf "$T"' EXIT
}

pg_stop() {
  [ -n "$PG_DIR" ] || return 0
  [ -d "$PG_DIR/data" ] && _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$PG_DIR"
  PG_DIR=
}
