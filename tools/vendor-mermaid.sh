#!/usr/bin/env bash
# Vendors Mermaid's ES module build from its npm package into docs/assets/javascripts/, so
# readers' browsers load diagrams from this site and never from a CDN.
#
#   tools/vendor-mermaid.sh 11.17.2
#
# Only the files a browser can load are kept: the entry module and its minified chunks, and
# the licence. Source maps, type declarations, the unminified builds and the 3.5 MiB
# all-in-one mermaid.min.js stay out. Then change MERMAID in mermaid-loader.js to match.
set -euo pipefail
version=${1:?usage: tools/vendor-mermaid.sh VERSION}
cd "$(dirname "$0")/.."
target=docs/assets/javascripts/mermaid-$version
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

(cd "$scratch" && npm pack --silent "mermaid@$version" >/dev/null && tar xzf mermaid-*.tgz)
rm -rf docs/assets/javascripts/mermaid-[0-9]*
mkdir -p "$target/chunks/mermaid.esm.min"
cp "$scratch/package/LICENSE" "$scratch/package/dist/mermaid.esm.min.mjs" "$target/"
cp "$scratch/package/dist/chunks/mermaid.esm.min/"*.mjs "$target/chunks/mermaid.esm.min/"
echo "$target: $(find "$target" -name '*.mjs' | wc -l) modules, $(du -sh "$target" | cut -f1)"
