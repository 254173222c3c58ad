#!/usr/bin/env bash
# The container image's build and run steps, as one script: docker/Dockerfile runs exactly these
# commands, and test/e2e/container.e2e.spec.ts runs them in a clean temporary directory (no
# container engine runs on the project's machines), so the steps are proven even where the image
# is not built. docs/operations.md ("Container") says what is and is not proven.
#
#   docker/build-steps.sh build SRC        the build stage: npm ci (with dev dependencies), tsc → SRC/dist
#   docker/build-steps.sh assemble SRC APP the runtime layout in APP: package files, the compiled service,
#                                          the CLI, the healthcheck; then npm ci --omit=dev in APP
#   docker/build-steps.sh run APP          the image's command: the service, in the foreground
#   docker/build-steps.sh healthcheck APP  the image's HEALTHCHECK: exit 0 when the service is ready
set -euo pipefail

die() { echo "build-steps: $*" >&2; exit 2; }
[ $# -ge 2 ] || die "usage: $0 build SRC | assemble SRC APP | run APP | healthcheck APP"
step="$1"

case "$step" in
  build)
    cd "$2"
    npm ci --no-audit --no-fund
    npm run build
    ;;
  assemble)
    [ $# -eq 3 ] || die "usage: $0 assemble SRC APP"
    src="$(cd "$2" && pwd)"
    [ -f "$src/dist/src/main.js" ] || die "$src/dist/src/main.js is missing: run the build step first"
    mkdir -p "$3"
    app="$(cd "$3" && pwd)"
    # Only what the service and the CLI run (and the explorer bundle the service serves): no sources,
    # tests, docs or dev dependencies.
    cp "$src/package.json" "$src/package-lock.json" "$app/"
    mkdir -p "$app/dist" "$app/docker"
    cp -R "$src/dist/src" "$src/dist/libs" "$src/dist/web" "$app/dist/"
    find "$app/dist" \( -name '*.spec.js' -o -name '*.spec.js.map' -o -name '*.bench.js' -o -name '*.bench.js.map' \) -delete
    cp -R "$src/bin" "$app/"
    cp "$src/docker/healthcheck.mjs" "$src/docker/build-steps.sh" "$app/docker/"
    cd "$app"
    npm ci --omit=dev --no-audit --no-fund
    ;;
  run)
    cd "$2"
    exec node dist/src/main.js
    ;;
  healthcheck)
    cd "$2"
    exec node docker/healthcheck.mjs
    ;;
  *)
    die "unknown step $step (build, assemble, run, healthcheck)"
    ;;
esac
