#!/usr/bin/env bash
# Builds the Go conformance adapters into conformance/go/bin/ (git-ignored), offline, from
# Debian's packages only: golang-go, golang-github-donovanhide-eventsource-dev and
# golang-github-gin-contrib-sse-dev (their sources land in /usr/share/gocode/src).
#
# GOPATH mode (GO111MODULE=off) resolves imports from GOPATH/src, here Debian's tree, so no
# go.mod, no module proxy and no network are involved (GOPROXY=off makes sure of it). Each
# adapter is protocol.go plus its parser's file, built as its own binary, so a missing library
# costs only its own adapter. Usage: bash conformance/go/build.sh   (from anywhere)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
gocode="${SSE_PPLX_GOCODE:-/usr/share/gocode}"
mkdir -p "$here/bin"
export GO111MODULE=off GOPATH="$gocode" GOPROXY=off GOFLAGS= CGO_ENABLED=0
# Go's build cache lives outside the checkout (Go's default, under $HOME/.cache); without HOME
# and XDG_CACHE_HOME Go would refuse to build, so fall back to a temporary folder.
if [ -z "${GOCACHE:-}${XDG_CACHE_HOME:-}${HOME:-}" ]; then
  export GOCACHE="${TMPDIR:-/tmp}/sse_pplx-go-build-cache"
fi

command -v go >/dev/null 2>&1 || { echo "build.sh: go is not installed (apt-get install golang-go)" >&2; exit 1; }

version_of() {  # the Debian package's version, for the adapter's hello
  dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown
}

status=0
build() {  # build NAME PARSER_FILE DEBIAN_PACKAGE IMPORT_PATH
  local name="$1" file="$2" package="$3" import="$4"
  if [ ! -d "$gocode/src/$import" ]; then
    echo "build.sh: $import is missing from $gocode/src (apt-get install $package); $name not built" >&2
    rm -f "$here/bin/$name"
    status=1
    return
  fi
  (cd "$here" && go build -trimpath -ldflags "-X main.packageVersion=$(version_of "$package")" \
    -o "bin/$name" protocol.go "$file") || { echo "build.sh: $name failed to build" >&2; status=1; }
}

build go-donovanhide-eventsource donovanhide.go golang-github-donovanhide-eventsource-dev github.com/donovanhide/eventsource
build go-gin-contrib-sse gincontribsse.go golang-github-gin-contrib-sse-dev github.com/gin-contrib/sse
exit "$status"
