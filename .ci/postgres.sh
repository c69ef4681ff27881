# Sourced by .ci/run (and by pglock's TestMain when COLLECTSSL_PG_DSN is
# unset): start_postgres starts a throwaway PostgreSQL for the
# pglock tests and exports COLLECTSSL_PG_DSN; stop_postgres stops it and
# removes its files. The server runs as an unprivileged user when we are
# root (the postgres binary refuses to run as root), from a data directory in
# a new temporary directory, and listens on a unix socket in that directory
# only: no TCP port, so nothing to collide with and nothing to reach from
# outside. Both functions need bash and `set -e` off or on alike.

PG_TMP=""
PG_BIN=""
PG_RUN=()

# find_pg_bindir prints the directory holding initdb, pg_ctl and postgres:
# pg_config's, /usr/local/bin (this machine), Debian's postgresql-NN
# packages (newest first).
find_pg_bindir() {
	local d candidates=()
	if command -v pg_config >/dev/null 2>&1; then
		candidates+=("$(pg_config --bindir 2>/dev/null || true)")
	fi
	candidates+=(/usr/local/bin /usr/lib/postgresql/15/bin)
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
		candidates+=("$d")
	done
	for d in "${candidates[@]}"; do
		if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

start_postgres() {
	if ! PG_BIN=$(find_pg_bindir); then
		echo "no PostgreSQL found (initdb, pg_ctl, postgres): looked in pg_config --bindir, /usr/local/bin, /usr/lib/postgresql/*/bin" >&2
		return 1
	fi
	PG_TMP=$(mktemp -d /tmp/collectssl-pg.XXXXXX)
	PG_RUN=()
	if [ "$(id -u)" = 0 ]; then
		# postgres will not run as root: run it as nobody, which owns the
		# temporary directory and nothing else.
		chown nobody "$PG_TMP"
		PG_RUN=(runuser -u nobody --)
	fi
	(
		cd "$PG_TMP"
		"${PG_RUN[@]}" "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 --no-locale --no-sync >"$PG_TMP/initdb.log" 2>&1
	) || {
		echo "initdb failed:" >&2
		cat "$PG_TMP/initdb.log" >&2
		return 1
	}
	# listen_addresses='': the unix socket in PG_TMP only. fsync off: a
	# throwaway database.
	(
		cd "$PG_TMP"
		"${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
			-o "-c listen_addresses='' -c unix_socket_directories='$PG_TMP' -c fsync=off -c max_connections=200" start >/dev/null
	) || {
		echo "PostgreSQL did not start:" >&2
		cat "$PG_TMP/server.log" >&2
		return 1
	}
	export COLLECTSSL_PG_DSN="host=$PG_TMP port=5432 user=postgres dbname=postgres sslmode=disable"
	echo "$("$PG_BIN/postgres" --version) from $PG_BIN on the socket in $PG_TMP"
}

stop_postgres() {
	if [ "$(id -u)" = 0 ]; then
		PG_RUN=(runuser -u nobody --) # as start_postgres, when called from another shell
	fi
	if [ -n "$PG_BIN" ] && [ -n "$PG_TMP" ] && [ -d "$PG_TMP/data" ]; then
		(cd "$PG_TMP" && "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1) || true
	fi
	if [ -n "$PG_TMP" ]; then
		rm -rf "$PG_TMP"
	fi
	PG_TMP=""
}
