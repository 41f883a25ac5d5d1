# Sourced by scripts/test: make sure a PostgreSQL server answers on 127.0.0.1:5432 and export
# HEADCOUNT_TEST_PG_URL. Starts the machine's cluster, or installs and starts one, when none answers.
PGHOST_ADDR="${HEADCOUNT_TEST_PG_HOST:-127.0.0.1}"
PGPORT_NUM="${HEADCOUNT_TEST_PG_PORT:-5432}"

pg_answers() { pg_isready -q -h "$PGHOST_ADDR" -p "$PGPORT_NUM" 2>/dev/null; }

start_postgres() {
  if ! command -v pg_isready >/dev/null 2>&1 || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "» installing PostgreSQL from Debian's packages" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2 || return 1
  fi
  local version
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  # Tests connect over loopback with trust, as on the project's machines.
  if ! grep -q "^host all all 127.0.0.1/32 trust" "$hba" 2>/dev/null; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 2>/dev/null \
    || pg_ctlcluster "$version" main start >&2 || return 1
  for _ in $(seq 1 30); do pg_answers && return 0; sleep 1; done
  return 1
}

if ! pg_answers; then
  echo "» no PostgreSQL on $PGHOST_ADDR:$PGPORT_NUM; starting one" >&2
  if ! start_postgres; then
    if [ "${CI:-}" = "true" ]; then
      echo "✗ PostgreSQL could not be started; CI needs it" >&2
      exit 1
    fi
    echo "! PostgreSQL unavailable: the PostgreSQL half of the suite will fail" >&2
  fi
fi
export HEADCOUNT_TEST_PG_URL="${HEADCOUNT_TEST_PG_URL:-postgresql+psycopg://postgres@$PGHOST_ADDR:$PGPORT_NUM/postgres}"
