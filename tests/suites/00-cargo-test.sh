#!/usr/bin/env bash
# The Rust unit tests: parsers against 252's observed rows, and the notify core against real
# receiving sockets (path and abstract), checking bytes, fds and credentials.
set -eu
cd "$SDLITE_ROOT"
cargo test --release --locked 2>&1
