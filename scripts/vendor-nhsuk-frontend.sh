#!/usr/bin/env bash
# Vendor the compiled NHS.UK frontend into crates/web/assets/nhsuk/.
#
# Reads the pinned version and the expected tarball integrity (sha512, in the
# same "sha512-<base64>" form npm reports) from scripts/nhsuk-frontend.lock,
# fetches the package with `npm pack`, refuses to continue if the tarball does
# not match, and copies only what the browser needs at run time:
#
#   nhsuk-frontend.min.css   compiled stylesheet (url(/assets/..) made relative)
#   nhsuk-frontend.min.js    ES module bundle (exports initAll etc.)
#   assets/                  favicons, icons and manifest the CSS/markup refer to
#   LICENSE, VERSION, SOURCE.md
#
# Usage:
#   scripts/vendor-nhsuk-frontend.sh           (re)write crates/web/assets/nhsuk
#   scripts/vendor-nhsuk-frontend.sh --check   exit 1 if the tree differs from
#                                              what the lock would produce
set -euo pipefail

readonly PACKAGE="nhsuk-frontend"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly LOCK="$ROOT/scripts/nhsuk-frontend.lock"
readonly DEST="$ROOT/crates/web/assets/nhsuk"

die() {
  printf 'vendor-nhsuk-frontend: ERROR: %s\n' "$*" >&2
  exit 1
}

info() {
  printf 'vendor-nhsuk-frontend: %s\n' "$*" >&2
}

check_only=false
case "${1:-}" in
  "") ;;
  --check) check_only=true ;;
  -h | --help)
    sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *) die "unknown argument: $1 (expected --check or nothing)" ;;
esac

for tool in npm node tar sed grep; do
  command -v "$tool" >/dev/null 2>&1 || die "required tool not found: $tool"
done

# --- read the lock file (KEY=VALUE, '#' comments; never sourced) -------------
[[ -f "$LOCK" ]] || die "lock file not found: $LOCK"
version=""
integrity=""
while IFS= read -r line || [[ -n "$line" ]]; do
  line="${line%$'\r'}"
  [[ -z "${line//[[:space:]]/}" || "$line" =~ ^[[:space:]]*# ]] && continue
  [[ "$line" == *=* ]] || die "malformed line in $LOCK: $line"
  key="${line%%=*}"
  value="${line#*=}"
  case "$key" in
    version) version="$value" ;;
    integrity) integrity="$value" ;;
    *) die "unknown key in $LOCK: $key" ;;
  esac
done <"$LOCK"

[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
  die "lock 'version' must be an exact x.y.z version, got: '${version}'"
[[ "$integrity" =~ ^sha512-[A-Za-z0-9+/]+=*$ ]] ||
  die "lock 'integrity' must look like sha512-<base64>, got: '${integrity}'"

# --- helpers ----------------------------------------------------------------
sha512_integrity() {
  local file="$1" b64
  if command -v openssl >/dev/null 2>&1; then
    b64="$(openssl dgst -sha512 -binary "$file" | base64 | tr -d '\n')"
  elif command -v sha512sum >/dev/null 2>&1 && command -v xxd >/dev/null 2>&1; then
    b64="$(sha512sum "$file" | cut -d' ' -f1 | xxd -r -p | base64 | tr -d '\n')"
  else
    die "need openssl (or sha512sum + xxd) to verify the tarball"
  fi
  printf 'sha512-%s' "$b64"
}

pkg_field() {
  node -e 'const p = require(process.argv[1]); process.stdout.write(String(p[process.argv[2]] ?? ""))' \
    "$1/package.json" "$2"
}

# The npm tarball does not ship a LICENSE file (package.json only says "MIT").
# MIT requires the notice to travel with copies, so if the package has none we
# write the notice as published in the upstream repository's LICENSE file.
write_upstream_mit_license() {
  cat >"$1" <<'LICENSE_EOF'
MIT License

Copyright (c) 2019 NHS.UK

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
LICENSE_EOF
}

# --- fetch and verify -------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/vendor-nhsuk.XXXXXX")"
trap 'rm -rf -- "$work"' EXIT

info "fetching $PACKAGE@$version with npm pack"
(
  cd "$work"
  npm pack "$PACKAGE@$version" --ignore-scripts --loglevel=error >/dev/null
)
shopt -s nullglob
tarballs=("$work"/"$PACKAGE"-*.tgz)
shopt -u nullglob
[[ ${#tarballs[@]} -eq 1 ]] || die "expected exactly one tarball from npm pack, found ${#tarballs[@]}"
tgz="${tarballs[0]}"

actual="$(sha512_integrity "$tgz")"
if [[ "$actual" != "$integrity" ]]; then
  {
    echo "vendor-nhsuk-frontend: INTEGRITY MISMATCH for $PACKAGE@$version"
    echo "  expected (lock): $integrity"
    echo "  actual (tarball): $actual"
    echo "Refusing to vendor. If the version was changed on purpose, update"
    echo "'integrity' in scripts/nhsuk-frontend.lock from a trusted source."
  } >&2
  exit 1
fi
info "tarball integrity OK ($integrity)"

mkdir "$work/x"
tar -xzf "$tgz" -C "$work/x" --no-same-owner --no-same-permissions
pkg="$work/x/package"
dist="$pkg/dist/nhsuk"
[[ -d "$dist" ]] || die "unexpected package layout: no dist/nhsuk in tarball"

[[ "$(pkg_field "$pkg" name)" == "$PACKAGE" ]] || die "tarball is not $PACKAGE"
[[ "$(pkg_field "$pkg" version)" == "$version" ]] ||
  die "tarball version $(pkg_field "$pkg" version) != lock version $version"
license="$(pkg_field "$pkg" license)"
[[ "$license" == "MIT" ]] || die "package licence is '$license', expected MIT - review before vendoring"

for f in nhsuk-frontend.min.css nhsuk-frontend.min.js assets/manifest.json assets/images/favicon.ico; do
  [[ -f "$dist/$f" ]] || die "expected file missing from package: dist/nhsuk/$f"
done

# --- stage the run-time files -----------------------------------------------
out="$work/out"
mkdir -p "$out"

# The compiled CSS refers to its images as url(/assets/images/...), i.e. it
# assumes the package's assets are served at /assets. Ours are served next to
# the stylesheet ({prefix}/nhsuk/assets/...), so make those URLs relative to
# the stylesheet. Also drop the sourceMappingURL comment (maps are not shipped),
# and the @font-face rules that load the Frutiger web fonts from a third-party
# host: the service makes no third-party requests (its CSP allows none), and
# the stylesheet's own fallback stack (Arial) is used instead.
sed -e 's#url(/assets/#url(assets/#g' \
  -e 's#@font-face{[^}]*https://[^}]*}##g' \
  -e 's#url("/assets/#url("assets/#g' \
  -e "s#url('/assets/#url('assets/#g" \
  -e '/^\/\*# sourceMappingURL=.*\*\/$/d' \
  "$dist/nhsuk-frontend.min.css" >"$out/nhsuk-frontend.min.css"

sed -e '/^\/\/# sourceMappingURL=/d' \
  -e 's#//\# sourceMappingURL=[^ ]*\.map$##' \
  "$dist/nhsuk-frontend.min.js" >"$out/nhsuk-frontend.min.js"

cp -R "$dist/assets" "$out/assets"
find "$out/assets" \( -name '*.map' -o -name '*.scss' -o -name '.*' \) -exec rm -rf {} +

if [[ -f "$pkg/LICENSE" ]]; then
  cp "$pkg/LICENSE" "$out/LICENSE"
elif [[ -f "$pkg/LICENSE.md" ]]; then
  cp "$pkg/LICENSE.md" "$out/LICENSE"
else
  write_upstream_mit_license "$out/LICENSE"
fi

printf '%s\n' "$version" >"$out/VERSION"
cat >"$out/SOURCE.md" <<EOF
npm package \`$PACKAGE\` $version, tarball integrity \`$integrity\`, licence $license (see LICENSE); vendored by \`scripts/vendor-nhsuk-frontend.sh\` from \`scripts/nhsuk-frontend.lock\` - do not edit these files by hand.
Only changes from the package's \`dist/nhsuk/\`: \`url(/assets/...)\` in the CSS rewritten to \`url(assets/...)\` (relative to the stylesheet), sourceMappingURL comments removed, and the @font-face rules that load fonts from a third-party host removed (the CSP allows no third-party requests; text uses the stylesheet's Arial fallback).
EOF

# --- sanity checks on what we staged -------------------------------------------
grep -q 'url(/assets/' "$out/nhsuk-frontend.min.css" && die "CSS still has absolute /assets/ URLs"
grep -q 'url(https\?://' "$out/nhsuk-frontend.min.css" && die "CSS still loads something from another host"
grep -q 'sourceMappingURL' "$out/nhsuk-frontend.min.css" "$out/nhsuk-frontend.min.js" &&
  die "sourceMappingURL comment left in staged files"
grep -q 'export{' "$out/nhsuk-frontend.min.js" || die "nhsuk-frontend.min.js is not an ES module"
grep -q 'initAll' "$out/nhsuk-frontend.min.js" || die "nhsuk-frontend.min.js does not export initAll"
# every local url(...) in the CSS must point at a file we ship
while IFS= read -r ref; do
  [[ -f "$out/$ref" ]] || die "CSS references $ref but it is not in the vendored files"
done < <(grep -o 'url([^)]*)' "$out/nhsuk-frontend.min.css" |
  sed -e 's/^url(//' -e 's/)$//' -e "s/^[\"']//" -e "s/[\"']$//" |
  grep -v -E '^(https?:|data:|#)' | sed -e 's/[?#].*$//' | sort -u)

# --- install or compare -----------------------------------------------------
if $check_only; then
  if diff -r "$out" "$DEST" >/dev/null 2>&1; then
    info "$DEST is up to date with $PACKAGE@$version"
    exit 0
  fi
  diff -r "$out" "$DEST" >&2 || true
  die "$DEST differs from $PACKAGE@$version - run scripts/vendor-nhsuk-frontend.sh"
fi

mkdir -p "$(dirname "$DEST")"
rm -rf -- "$DEST"
cp -R "$out" "$DEST"
chmod -R u=rwX,go=rX "$DEST"

info "vendored $PACKAGE@$version into ${DEST#"$ROOT"/}:"
(cd "$DEST" && find . -type f | sort | sed 's#^\./#  #') >&2
info "total size: $(du -sh "$DEST" | cut -f1)"
