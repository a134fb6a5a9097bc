#!/usr/bin/env bash
# Builds the npm tarballs of astro-conform into OUT_DIR with `npm pack`:
#   astro-conform-VERSION.tgz            the `astro-conform` command (a launcher), the Astro
#                                        integration (astro-conform/integration) and the probe
#   astro-conform-linux-x64-VERSION.tgz  the binary, installed by the first as an optional
#                                        dependency on Linux x64 only
# VERSION is Cargo.toml's. BINARY defaults to a release build (cargo build --release).
# Publishing is `npm publish` of each tarball, the platform package first.
#
# Usage: npm/pack.sh OUT_DIR [BINARY]
set -euo pipefail
out=${1:?usage: npm/pack.sh OUT_DIR [BINARY]}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) os=linux cpu=x64 ;;
  *)
    echo "error: npm/pack.sh packs the binary of this machine, and only linux-x64 is built and tested; this is $(uname -s)-$(uname -m)" >&2
    exit 2
    ;;
esac
platform="$os-$cpu"

binary=${2:-}
if [ -z "$binary" ]; then
  (cd "$root" && cargo build --release --locked --bin astro-conform)
  binary="$root/target/release/astro-conform"
fi
[ -x "$binary" ] || { echo "error: $binary is not an executable" >&2; exit 2; }
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
reported=$("$binary" --version)
[ "$reported" = "astro-conform $version" ] || {
  echo "error: $binary says \"$reported\", Cargo.toml says $version" >&2
  exit 2
}

mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# The platform package: the binary and a package.json that npm installs on this platform only.
mkdir -p "$stage/platform/bin"
cp "$binary" "$stage/platform/bin/astro-conform"
chmod 755 "$stage/platform/bin/astro-conform"
sed -e "s/@PLATFORM@/$platform/g" -e "s/@VERSION@/$version/g" \
  -e "s/@OS@/$os/g" -e "s/@CPU@/$cpu/g" "$here/platform/package.json" >"$stage/platform/package.json"

# The main package, with the probe the harness adds to its own builds (one source).
cp -R "$here/astro-conform" "$stage/main"
cp "$root/harness/pipeline/build/probe/probe.mjs" "$stage/main/probe.mjs"
node -e '
  const fs = require("node:fs");
  const [file, version] = process.argv.slice(1);
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  pkg.version = version;
  for (const name of Object.keys(pkg.optionalDependencies)) pkg.optionalDependencies[name] = version;
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$stage/main/package.json" "$version"

for pkg in platform main; do
  (cd "$stage/$pkg" && npm pack --silent --pack-destination "$out" >/dev/null)
done
ls -1 "$out"/astro-conform-"$version".tgz "$out"/astro-conform-"$platform"-"$version".tgz
