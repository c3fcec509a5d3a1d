#!/usr/bin/env bash
# Builds kube-apiserver, etcd and goelector from this Go module into
#   ${LEASEHOLD_KUBE_CACHE:-$HOME/.cache/leasehold/kube}/<k8s-version>/bin/
# Skips kube-apiserver/etcd when they already exist for that version, and
# goelector when its stamp (sha256 of go.mod, go.sum and its sources) matches.
# Usage: test/kube/build.sh [--force]
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE"

export GOTOOLCHAIN=local
export CGO_ENABLED=0
# Find go when it is not on PATH (CI shells, `pnpm` scripts): $GOROOT, then the usual places.
if ! command -v go >/dev/null 2>&1; then
  for dir in "${GOROOT:+$GOROOT/bin}" /usr/local/go/bin /usr/lib/go/bin "$HOME/go/bin" "$HOME/.local/go/bin"; do
    if [ -n "$dir" ] && [ -x "$dir/go" ]; then
      export PATH=$dir:$PATH
      break
    fi
  done
fi
if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: no Go toolchain found (looked on PATH, \$GOROOT/bin, /usr/local/go/bin, /usr/lib/go/bin)" >&2
  exit 1
fi
need=$(awk '$1 == "go" { print $2; exit }' go.mod)
have=$(go env GOVERSION)
have=${have#go}
if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]; then
  echo "build.sh: go $have is older than the go $need that go.mod needs (GOTOOLCHAIN=local: no download)" >&2
  exit 1
fi

FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

K8S_VERSION=$(go list -m -f '{{.Version}}' k8s.io/kubernetes)
K8S_TIME=$(go list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes)
ETCD_VERSION=$(go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
CACHE=${LEASEHOLD_KUBE_CACHE:-$HOME/.cache/leasehold/kube}
BIN=$CACHE/$K8S_VERSION/bin
mkdir -p "$BIN"

# One build at a time per cache (the test run and the benchmarks may start one together): the
# second waits, then finds everything built.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$BIN/.build.lock"
  if ! flock -n 9; then
    echo "build.sh: another build is running on $BIN, waiting for it"
    flock 9
  fi
fi

major_minor=${K8S_VERSION#v}
K8S_MAJOR=${major_minor%%.*}
rest=${major_minor#*.}
K8S_MINOR=${rest%%.*}

# What hack/lib/version.sh sets, for both version packages.
version_ldflags=""
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  version_ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$K8S_MAJOR -X $pkg.gitMinor=$K8S_MINOR -X $pkg.gitTreeState=clean"
  [ -n "$K8S_TIME" ] && version_ldflags+=" -X $pkg.buildDate=$K8S_TIME"
done

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# build NAME PACKAGE LDFLAGS_EXTRA
build() {
  local name=$1 pkg=$2 extra=$3 start
  start=$(now)
  echo "build.sh: building $name ($pkg) -> $BIN/$name"
  go build -trimpath -tags notest,grpcnotrace -ldflags "-s -w$extra" -o "$BIN/.$name.tmp.$$" "$pkg"
  mv -f "$BIN/.$name.tmp.$$" "$BIN/$name"
  echo "build.sh: built $name in $(elapsed "$start") s"
}

total_start=$(now)

if [ $FORCE = 1 ] || [ ! -x "$BIN/kube-apiserver" ]; then
  build kube-apiserver ./cmd/kube-apiserver "$version_ldflags"
else
  echo "build.sh: kube-apiserver $K8S_VERSION already built, skipping"
fi

ETCD_STAMP="$BIN/.etcd.version"
if [ $FORCE = 1 ] || [ ! -x "$BIN/etcd" ] || [ "$(cat "$ETCD_STAMP" 2>/dev/null)" != "$ETCD_VERSION" ]; then
  build etcd ./cmd/etcd ""
  echo "$ETCD_VERSION" > "$ETCD_STAMP"
else
  echo "build.sh: etcd $ETCD_VERSION already built, skipping"
fi

GOELECTOR_HASH=$(cat go.mod go.sum cmd/goelector/*.go | sha256sum | cut -d' ' -f1)
GOELECTOR_STAMP="$BIN/.goelector.sha256"
if [ $FORCE = 1 ] || [ ! -x "$BIN/goelector" ] || [ "$(cat "$GOELECTOR_STAMP" 2>/dev/null)" != "$GOELECTOR_HASH" ]; then
  build goelector ./cmd/goelector "$version_ldflags"
  echo "$GOELECTOR_HASH" > "$GOELECTOR_STAMP"
else
  echo "build.sh: goelector up to date, skipping"
fi

echo "build.sh: kube-apiserver $K8S_VERSION, etcd $ETCD_VERSION ($(go version | cut -d' ' -f3)) in $BIN"
echo "build.sh: total $(elapsed "$total_start") s"
