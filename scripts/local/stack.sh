#!/usr/bin/env bash
# Local AWS-like stack, all on 127.0.0.1 and free ports, all state under STATE_DIR:
#   DynamoDB Local (in memory) and a one-node Ceph cluster (mon + memstore OSD) with RADOS Gateway (S3/STS/IAM).
# Usage: stack.sh start|stop|start-dynamodb|start-s3|restart-dynamodb|restart-s3 STATE_DIR
#        stack.sh create-role STATE_DIR ROLE_NAME POLICY_JSON   (RGW role assumable by user admin; prints ARN)
# restart-* reuse the recorded port (old process may be dead or SIGSTOPped); restart-s3 restarts only radosgw.
# Run scripts/local/install.sh first. After start, `source STATE_DIR/stack.env` gives:
#   DYNAMODB_URL, DYNAMODB_PORT, S3_URL, S3_PORT, S3_ACCESS_KEY, S3_SECRET_KEY, CEPH_CONF, USER_DATA_ROLE_ARN,
#   MAIL_PORT, MAIL_DIR (the SMTP sink: every message lands in MAIL_DIR as one .eml),
#   STACK_PIDS (all) and DYNAMODB_PID, MON_PID, OSD_PID, RGW_PID, MAIL_PID.
# MAIL_DIR at start chooses where mail lands (./run.sh uses .local/mail); default STATE_DIR/mail.
# DYNAMODB_ON_DISK=1 at start keeps DynamoDB's data in STATE_DIR/dynamodb-data, so it survives restart-dynamodb
# (fault tests kill it); by default it is in memory and a restart starts empty.
# ENCLAVE_STORAGE_BYTES at start sizes the in-memory OSD (default 2 GiB; RGW frees deleted objects only at its garbage collection).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DDB_HOME=$REPO/.tools/dynamodb
HOST=127.0.0.1

die() { echo "stack.sh: $*" >&2; exit 1; }

# N free loopback ports, held together so they are distinct. Picked below the kernel's ephemeral
# range, so an outgoing connection cannot grab one before (or between restarts of) its daemon.
free_ports() {
  python3 - "$1" <<'EOF'
import random, socket, sys
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
socks = []
while len(socks) < int(sys.argv[1]):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", random.randint(10000, low - 1) if low > 11000 else 0))
        socks.append(s)
    except OSError:
        s.close()
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# Random string of charset $1, length $2 (finite input: no SIGPIPE under pipefail).
rand() { local r; r=$(head -c 2048 /dev/urandom | tr -dc "$1"); echo "${r:0:$2}"; }

# A recorded PID counts as ours only while alive (not a zombie) and its command line names STATE_DIR,
# so a recycled PID is never signalled.
alive() {
  local pid=$1 stat state
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  read -r state _ <<<"${stat##*) }"
  [[ $state != Z ]] || return 1  # unreaped zombie: already dead
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$S/"
}

# Stop one recorded daemon: SIGTERM (+SIGCONT in case a test SIGSTOPped it), SIGKILL after 5 s.
stop_one() {
  local f=$S/pids/$1.pid pid _
  [[ -f $f ]] || return 0
  pid=$(cat "$f")
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    kill -CONT "$pid" 2>/dev/null || true
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
  fi
  rm -f "$f"
}

running() { [[ -f $S/pids/$1.pid ]] && alive "$(cat "$S/pids/$1.pid")"; }
not_running() { local n; for n in "$@"; do ! running "$n" || die "$n already running in $S (stop first)"; done; }

# Launch a foreground daemon in the background, detached from our stdio (callers may read our
# output to EOF), and record its exact PID.
LAUNCHED=()
launch() {
  local name=$1; shift
  "$@" </dev/null >>"$S/logs/$name.out" 2>&1 &
  echo $! >"$S/pids/$name.pid"
  LAUNCHED+=("$name")
}

# A failed start/restart leaves none of the daemons it launched running.
cleanup_on_failure() {
  local rc=$? name
  [[ $rc == 0 || ${#LAUNCHED[@]} == 0 ]] && return 0
  echo "stack.sh: failed, stopping ${LAUNCHED[*]} (logs: $S/logs)" >&2
  for name in "${LAUNCHED[@]}"; do stop_one "$name"; done
  write_env
}

# Poll until CHECK succeeds; fail early with the log tail if the daemon died.
wait_for() {
  local name=$1 secs=$2 _; shift 2
  for _ in $(seq $((secs * 20))); do
    "$@" && return 0
    alive "$(cat "$S/pids/$name.pid")" || { tail -n 30 "$S/logs/$name.out" "$S/logs/"*"$name"*.log >&2 2>/dev/null || true; die "$name exited"; }
    sleep 0.05
  done
  die "$name not ready after ${secs}s (logs: $S/logs)"
}

# stack.env = per-service fragments + the PIDs currently recorded (all, and one per daemon).
write_env() {
  local f name pids=()
  {
    cat "$S"/env/*.env 2>/dev/null || true
    for f in "$S"/pids/*.pid; do
      [[ -f $f ]] || continue
      name=$(basename "$f" .pid); pids+=("$(cat "$f")")
      echo "export ${name^^}_PID=${pids[-1]}"
    done
    echo "export STACK_PIDS=\"${pids[*]}\""
  } >"$S/stack.env.tmp"
  mv "$S/stack.env.tmp" "$S/stack.env"
}

env_get() { sed -n "s/^export $1=//p" "$S/env/$2.env" 2>/dev/null | tr -d '"'; }

# ---------------------------------------------------------------- DynamoDB Local
ddb_launch() {
  local port=$1 dir=$DDB_HOME/current storage=(-inMemory)
  [[ -f $dir/DynamoDBLocal.jar && -f $DDB_HOME/launcher/LoopbackDynamoDB.class ]] || die "run scripts/local/install.sh first"
  [[ ${DYNAMODB_ON_DISK:-} == 1 ]] && mkdir -p "$S/dynamodb-data"
  [[ -d $S/dynamodb-data ]] && storage=(-dbPath "$S/dynamodb-data")
  # -Dstack.state tags the process with STATE_DIR (see alive); the launcher binds 127.0.0.1 only.
  launch dynamodb java -Dstack.state="$S/" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k \
    -Djava.library.path="$dir/DynamoDBLocal_lib" -cp "$DDB_HOME/launcher:$dir/DynamoDBLocal.jar" LoopbackDynamoDB \
    -sharedDb "${storage[@]}" -disableTelemetry -port "$port"
  printf 'export DYNAMODB_PORT=%s\nexport DYNAMODB_URL="http://%s:%s"\n' "$port" "$HOST" "$port" >"$S/env/dynamodb.env"
}

ddb_ready() {
  curl -sf -m 2 -o /dev/null -X POST "http://$HOST:$1/" -H 'Content-Type: application/x-amz-json-1.0' \
    -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' \
    -d '{}'
}

# ---------------------------------------------------------------- Ceph + RGW
ceph_() { timeout 60 ceph -c "$S/ceph/ceph.conf" "$@"; }
rgw_admin() { timeout 60 radosgw-admin -c "$S/ceph/ceph.conf" "$@"; }

write_ceph_conf() {
  local fsid=$1 mon_port=$2 rgw_port=$3 c=$S/ceph
  # Everything under STATE_DIR (never /etc/ceph or /var/lib/ceph); tuned for a fast one-OSD start.
  cat >"$c/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = [v2:$HOST:$mon_port]
mon initial members = a
public addr = $HOST
cluster addr = $HOST
ms bind msgr1 = false
auth cluster required = none
auth service required = none
auth client required = none
keyring = $c/keyring
run dir = $c/run
admin socket = $c/run/\$name.asok
pid file = $c/run/\$name.pid
crash dir = $c/crash
log file = $S/logs/\$name.log
mon cluster log file = $S/logs/cluster.log
mon data = $c/mon/\$id
osd data = $c/osd/\$id
rgw data = $c/rgw/\$id
osd objectstore = memstore
memstore device bytes = ${ENCLAVE_STORAGE_BYTES:-2147483648}
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd pool default pg autoscale mode = off
osd pool default pg num = 8
osd pool default pgp num = 8
paxos propose interval = 0.05
paxos min wait = 0.01
osd mon shutdown timeout = 1

[client.rgw.a]
# radosgw defaults to a "secure" mon connection, which needs cephx; auth is none here.
ms mon client mode = crc
# tcp_nodelay: without it every GET waits ~44 ms (Nagle + delayed ACK).
rgw frontends = beast endpoint=$HOST:$rgw_port tcp_nodelay=1
rgw s3 auth use sts = true
rgw sts key = $(rand 'a-z0-9' 16)
EOF
}

rgw_launch() {
  launch rgw radosgw -f -c "$S/ceph/ceph.conf" -n client.rgw.a
}

rgw_ready() { curl -s -m 2 "http://$HOST:$1/" 2>/dev/null | grep -q '<ListAllMyBucketsResult'; }

start_s3() {
  local c=$S/ceph fsid osd_uuid mon_port rgw_port access secret
  read -r mon_port rgw_port <<<"$(free_ports 2)"
  fsid=$(cat /proc/sys/kernel/random/uuid); osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  rm -rf "$c"; mkdir -p "$c"/{run,crash,mon/a,osd/0,rgw/a}
  : >"$c/keyring"
  write_ceph_conf "$fsid" "$mon_port" "$rgw_port"

  monmaptool --create --clobber --addv a "[v2:$HOST:$mon_port]" --fsid "$fsid" "$c/monmap" >/dev/null
  ceph-mon -c "$c/ceph.conf" -i a --mkfs --monmap "$c/monmap" >>"$S/logs/mon.out" 2>&1
  launch mon ceph-mon -f -c "$c/ceph.conf" -i a

  # OSD id is 0 in a fresh cluster; mkfs (memstore) only needs the mon.
  [[ $(ceph_ osd new "$osd_uuid") == 0 ]] || die "unexpected osd id"
  ceph-osd -c "$c/ceph.conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >>"$S/logs/osd.out" 2>&1
  launch osd ceph-osd -f -c "$c/ceph.conf" -i 0
  rgw_launch
  wait_for rgw 60 rgw_ready "$rgw_port"

  # Admin user with random keys, allowed to manage IAM roles/users (for STS AssumeRole tests).
  access=$(rand 'A-Z0-9' 20); secret=$(rand 'A-Za-z0-9' 40)
  rgw_admin user create --uid=admin --display-name=admin --access-key="$access" --secret="$secret" \
    --caps="roles=*;users=*;buckets=*;metadata=*" >/dev/null
  # The user-data role: its policy is the ceiling (any user's prefix); the API narrows it per user with an
  # STS session policy, as in AWS. DynamoDB Local ignores credentials, so only the S3 half is enforced locally.
  create_role enclave-user-data \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion","s3:PutObject","s3:DeleteObject","s3:DeleteObjectVersion","s3:AbortMultipartUpload","s3:ListMultipartUploadParts"],"Resource":["arn:aws:s3:::*/users/*"]},{"Effect":"Allow","Action":["s3:ListBucket","s3:ListBucketVersions"],"Resource":["arn:aws:s3:::*"]}]}' >/dev/null
  cat >"$S/env/s3.env" <<EOF
export USER_DATA_ROLE_ARN="arn:aws:iam:::role/enclave-user-data"
export S3_PORT=$rgw_port
export S3_URL="http://$HOST:$rgw_port"
export S3_ACCESS_KEY="$access"
export S3_SECRET_KEY="$secret"
export CEPH_CONF="$c/ceph.conf"
EOF
}

# A role the admin user may assume, with the given policy; prints its ARN. Callers use STS AssumeRole
# (endpoint = S3_URL, admin keys), optionally with a session Policy; RGW enforces role AND session policy.
create_role() {
  rgw_admin role create --role-name="$1" \
    --assume-role-policy-doc='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam:::user/admin"]},"Action":["sts:AssumeRole"]}]}' >/dev/null
  rgw_admin role-policy put --role-name="$1" --policy-name=policy --policy-doc="$2" >/dev/null
  echo "arn:aws:iam:::role/$1"
}

# ---------------------------------------------------------------- SMTP sink
# Debian's python3 explicitly: it has python3-aiosmtpd; another python3 may come first on PATH.
# The last argument tags the process with STATE_DIR (see alive).
mail_launch() {
  local port=$1 dir=$2
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || die "python3-aiosmtpd missing: run scripts/local/install.sh first"
  mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
  launch mail /usr/bin/python3 "$REPO/scripts/local/mail-sink.py" "$port" "$dir" "$S/"
  printf 'export MAIL_PORT=%s\nexport MAIL_DIR="%s"\n' "$port" "$dir" >"$S/env/mail.env"
}

mail_ready() { python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1); sys.exit(0 if s.recv(3) == b"220" else 1)' "$1" 2>/dev/null; }

# ---------------------------------------------------------------- commands
cmd=${1:-}; S=${2:-}
[[ -n $cmd && -n $S ]] || die "usage: stack.sh start|stop|start-dynamodb|start-s3|restart-dynamodb|restart-s3|create-role STATE_DIR [ROLE POLICY]"
mkdir -p "$S"; S=$(cd "$S" && pwd)
mkdir -p "$S"/{pids,logs,env}
trap cleanup_on_failure EXIT

case $cmd in
  start)
    not_running dynamodb mon osd rgw mail
    # DynamoDB and the mail sink boot while Ceph bootstraps.
    read -r ddb_port mail_port <<<"$(free_ports 2)"
    ddb_launch "$ddb_port"
    mail_launch "$mail_port" "${MAIL_DIR:-$S/mail}"
    start_s3
    wait_for dynamodb 30 ddb_ready "$ddb_port"
    wait_for mail 10 mail_ready "$mail_port"
    write_env ;;
  start-dynamodb)
    not_running dynamodb
    ddb_port=$(free_ports 1)
    ddb_launch "$ddb_port"
    wait_for dynamodb 30 ddb_ready "$ddb_port"
    write_env ;;
  start-s3)
    not_running mon osd rgw
    start_s3
    write_env ;;
  restart-dynamodb)
    # Same port as before, so clients keep their endpoint.
    ddb_port=$(env_get DYNAMODB_PORT dynamodb); [[ -n $ddb_port ]] || die "dynamodb was never started in $S"
    stop_one dynamodb
    ddb_launch "$ddb_port"
    wait_for dynamodb 30 ddb_ready "$ddb_port"
    write_env ;;
  restart-s3)
    # Only the gateway restarts; mon and (in-memory) OSD keep running, so data survives.
    rgw_port=$(env_get S3_PORT s3); [[ -n $rgw_port ]] || die "s3 was never started in $S"
    stop_one rgw
    rgw_launch
    wait_for rgw 30 rgw_ready "$rgw_port"
    write_env ;;
  create-role)
    create_role "${3:?usage: stack.sh create-role STATE_DIR ROLE_NAME POLICY_JSON}" "${4:?policy JSON}" ;;
  stop)
    # Gateway first, then OSD, then mon; only PIDs recorded in STATE_DIR/pids.
    for name in rgw dynamodb mail osd mon; do stop_one "$name"; done
    rm -rf "$S/ceph" "$S/env" "$S/dynamodb-data"
    write_env ;;
  *) die "unknown command: $cmd" ;;
esac
