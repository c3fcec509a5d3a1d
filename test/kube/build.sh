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
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH=/usr/local/go/bin:$PATH
fi

FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

K8S_VERSION=$(go list -m -f '{{.Version}}' k8s.io/kubernetes)
K8S_TIME=$(go list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes)
ETCD_VERSION=$(go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
CACHE=${LEASEHOLD_KUBE_CACHE:-$HOME/.cache/leasehold/kube}
BIN=$CACHE/$K8S_VERSION/bin
mkdir -p "$BIN"

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
  go build -trimpath -tags notest,grpcnotrace -ldflags "-s -w$extra" -o "$BIN/.$name.tmp" "$pkg"
  mv -f "$BIN/.$name.tmp" "$BIN/$name"
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

echo "build.sh: kube-apiserver $K8S_VERSION, etcd $ETCD_VERSION in $BIN"
echo "build.sh: total $(elapsed "$total_start") s"
