#!/bin/bash
# store-server.sh - a private Virtuoso SPARQL server as a provio store.
#
#   tools/store-server.sh start DIR PORT   start it (its database in DIR)
#   tools/store-server.sh stop DIR         stop the server started in DIR
#
# start listens on 127.0.0.1:PORT only (SPARQL endpoint
# http://127.0.0.1:PORT/sparql), writes the update credentials to DIR/auth
# (mode 0600, the format PROVIO_STORE_AUTH reads: "user=NAME" and
# "password=SECRET" lines) and returns once the endpoint answers.  Exit 0
# when it answers, 1 if it did not start, 2 on usage errors, 3 if DIR
# already holds a running server.  docs/server-store.md says how a site
# runs a shared one.
set -u
umask 077

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "store-server: $*" >&2; exit "${2:-1}"; }

# The pid of the server running in $dir, if it is that one: the lock file
# names a pid, and its command line must name this directory's ini (a pid
# reused by another program is not ours to stop).
server_pid() {
  local pid
  pid=$(sed -n 's/^VIRT_PID=\([0-9]*\)$/\1/p' "$dir/virtuoso.lck" 2>/dev/null) || return 1
  [ -n "$pid" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "+configfile $dir/virtuoso.ini" || return 1
  echo "$pid"
}

secret() { head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

write_ini() {
  cat >"$dir/virtuoso.ini" <<EOF
[Database]
DatabaseFile = $dir/virtuoso.db
ErrorLogFile = $dir/virtuoso.log
LockFile = $dir/virtuoso.lck
TransactionFile = $dir/virtuoso.trx
xa_persistent_file = $dir/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = $dir/virtuoso-temp.db
TransactionFile = $dir/virtuoso-temp.trx
Striping = 0

[Parameters]
; the SQL port, for this script only (shutdown, user setup)
ServerPort = 127.0.0.1:$isql_port
DisableUnixSocket = 1
ServerThreads = 10
CheckpointInterval = 60
; 8 KiB pages: about 170 MB of cache; raise for a site server
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = $dir
MaxQueryMem = 500M

[HTTPServer]
ServerPort = 127.0.0.1:$port
ServerRoot = $dir
ServerThreads = 6
MaxClientConnections = 6
EnabledDavVSP = 0

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 600
MaxQueryCostEstimationTime = 600
EOF
}

start() {
  [ $# -eq 2 ] || usage
  command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null ||
    die "virtuoso-t not found (Debian: apt-get install virtuoso-opensource-7-bin)"
  mkdir -p -m 0700 "$1" || die "$1: cannot create the directory"
  dir=$(cd "$1" && pwd -P) port=$2
  case $port in '' | *[!0-9]*) usage ;; esac
  if pid=$(server_pid); then die "$dir: a server is already running there (pid $pid)" 3; fi
  local first=0
  if [ ! -e "$dir/virtuoso.db" ]; then
    first=1
    isql_port=$(free_port) || die "no free port for the SQL listener"
    echo "$isql_port" >"$dir/isql-port"
  fi
  isql_port=$(cat "$dir/isql-port")
  write_ini
  if [ $first = 1 ]; then
    secret >"$dir/dba"
  fi
  virtuoso-t +configfile "$dir/virtuoso.ini" +wait >/dev/null 2>&1 ||
    die "$dir: virtuoso did not start (see $dir/virtuoso.log)"
  if [ $first = 1 ]; then
    local pw
    pw=$(secret)
    # The update user: SPARQL updates through digest authentication only;
    # everyone may read (the unauthenticated endpoint is read-only).
    # A new database has dba/dba (virtuoso-t +pwddba does not last in
    # 7.2.5): changed first thing, from that password to DIR/dba's.
    isql-vt "127.0.0.1:$isql_port" dba dba >/dev/null 2>&1 <<EOF || die "$dir: cannot create the update user"
SET PASSWORD "dba" "$(cat "$dir/dba")";
DB.DBA.USER_CREATE('provio', '$pw');
GRANT SPARQL_SELECT TO "provio";
GRANT SPARQL_UPDATE TO "provio";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 1);
DB.DBA.RDF_DEFAULT_USER_PERMS_SET('provio', 3);
EOF
    # isql goes on past a failed statement: dba/dba must no longer log in
    # (unquoted, a password that starts with a digit was read as a number)
    ! isql-vt "127.0.0.1:$isql_port" dba dba exec="select 1;" >/dev/null 2>&1 ||
      die "$dir: the dba password was not changed"
    printf 'user=provio\npassword=%s\n' "$pw" >"$dir/auth.tmp" && chmod 600 "$dir/auth.tmp" &&
      mv "$dir/auth.tmp" "$dir/auth" || die "$dir/auth: cannot write"
  fi
  # +wait returns when the database is up; the HTTP listener follows.
  local tries=0
  until curl -sf -o /dev/null "http://127.0.0.1:$port/sparql?query=ASK%7B%7D"; do
    tries=$((tries + 1))
    [ $tries -lt 600 ] || die "$dir: the SPARQL endpoint on port $port does not answer"
    server_pid >/dev/null || die "$dir: virtuoso exited (see $dir/virtuoso.log)"
    sleep 0.1
  done
  echo "store-server: http://127.0.0.1:$port/sparql (pid $(server_pid)); credentials in $dir/auth"
}

stop() {
  [ $# -eq 1 ] || usage
  dir=$(cd "$1" 2>/dev/null && pwd -P) || die "$1: no such directory"
  pid=$(server_pid) || { echo "store-server: $dir: no server running"; return 0; }
  # SIGTERM: virtuoso stops; what its last checkpoint missed is replayed
  # from its transaction log at the next start.
  kill -TERM "$pid" 2>/dev/null
  local tries=0
  while kill -0 "$pid" 2>/dev/null; do
    tries=$((tries + 1))
    [ $tries -lt 600 ] || { kill -KILL "$pid" 2>/dev/null; break; }
    sleep 0.1
  done
  echo "store-server: $dir: stopped (pid $pid)"
}

case ${1:-} in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) usage ;;
esac
