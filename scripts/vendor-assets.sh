#!/usr/bin/env bash
# Re-vendors the front-end assets that sotong serves itself (no CDN at run time) and the axe-core
# script used by the browser tests. Versions and tarball checksums are pinned below: bumping one is
# a deliberate change reviewed like any other. Needs npm (only to download the tarballs) and
# sha256sum. Run from anywhere: `bash scripts/vendor-assets.sh`.
set -euo pipefail

KRDS_VERSION=1.1.0
KRDS_SHA256=2958eee582fabe3a3319a1032880f0f838c79647a311497d0d2045686c35dba8
HTMX_VERSION=2.0.11
HTMX_SHA256=165a2655073e9e6e55e307a7c74e8ebcdb76afb7701f9c16cfd106a13add408e
AXE_VERSION=4.14.1
AXE_SHA256=e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745
# krds-uiux ships the Pretendard GOV fonts without their licence; the licence text comes from the
# upstream Pretendard package of the same author.
PRETENDARD_VERSION=1.3.9
PRETENDARD_SHA256=0ffc240cee83be02520fb4ac1b2a0a51052b9d13506ade0ba90c591dbbb3bd53

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATIC="$ROOT/src/sotong/static/vendor"
E2E_VENDOR="$ROOT/tests/e2e/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fetch() {  # fetch NAME VERSION SHA256 -> unpacks into $WORK/NAME/package
    local name="$1" version="$2" sha="$3" tarball
    mkdir -p "$WORK/$name"
    tarball="$(cd "$WORK/$name" && npm pack --silent "$name@$version" 2>/dev/null | tail -n 1)"
    echo "$sha  $WORK/$name/$tarball" | sha256sum --check --quiet -
    tar -xzf "$WORK/$name/$tarball" -C "$WORK/$name"
}

fetch krds-uiux "$KRDS_VERSION" "$KRDS_SHA256"
fetch htmx.org "$HTMX_VERSION" "$HTMX_SHA256"
fetch axe-core "$AXE_VERSION" "$AXE_SHA256"
fetch pretendard "$PRETENDARD_VERSION" "$PRETENDARD_SHA256"

# --- KRDS -------------------------------------------------------------------------------------
# The package's own directory layout is kept so that the relative url() and @import references
# inside its CSS resolve without editing. output.css is common.css + component.css in one file
# (component.css alone points at a wrong image path); the CDN bundle is not used because it loads
# its icons from krds.go.kr. Source maps, SCSS, sample HTML, design tokens JSON, the swiper plugin
# and the .woff duplicates of the .woff2 fonts are left out.
KRDS_SRC="$WORK/krds-uiux/package/resources"
KRDS="$STATIC/krds"
rm -rf "$KRDS"
mkdir -p "$KRDS/css/component" "$KRDS/css/token" "$KRDS/img/component" "$KRDS/fonts" \
    "$KRDS/js/component"
# The source-map comment is dropped: the map is not shipped, and Django's manifest storage fails
# collectstatic on a reference to a missing file.
sed '/sourceMappingURL=/d' "$KRDS_SRC/css/component/output.css" >"$KRDS/css/component/output.css"
cp "$KRDS_SRC/css/token/krds_tokens.css" "$KRDS/css/token/"
cp -r "$KRDS_SRC/img/component/icon" "$KRDS/img/component/"
cp "$KRDS_SRC"/fonts/PretendardGOV-*.subset.woff2 "$KRDS/fonts/"
cp "$KRDS_SRC/js/component/ui-script.js" "$KRDS/js/component/"
cp "$WORK/pretendard/package/dist/LICENSE.txt" "$KRDS/fonts/LICENSE-PretendardGOV.txt"
cat >"$KRDS/LICENSE" <<EOF
KRDS HTML ComponentKit (npm package krds-uiux $KRDS_VERSION)

The package declares the ISC licence in its package.json ("license": "ISC") and its README says
it follows the terms of use of the Korean digital government design system (KRDS):
https://www.krds.go.kr/html/site/utility/utility_06.html
The package ships no licence file of its own; this note records what it declares.

ISC License

Copyright (c) krds

Permission to use, copy, modify, and/or distribute this software for any purpose with or without
fee is hereby granted, provided that the above copyright notice and this permission notice appear
in all copies.

THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES WITH REGARD TO THIS
SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE
AUTHOR BE LIABLE FOR ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN ACTION OF CONTRACT,
NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF OR IN CONNECTION WITH THE USE OR PERFORMANCE
OF THIS SOFTWARE.

The fonts in fonts/ (Pretendard GOV) are under the SIL Open Font License 1.1:
see fonts/LICENSE-PretendardGOV.txt.
EOF
cat >"$KRDS/README.md" <<EOF
# KRDS (vendored)

- Source: npm package \`krds-uiux@$KRDS_VERSION\` (sha256 of the tarball $KRDS_SHA256).
- Re-vendor with \`bash scripts/vendor-assets.sh\` (versions pinned there). Do not edit these files
  by hand: our own styles go into \`static/css/sotong.css\`.
- Taken from \`resources/\`: \`css/component/output.css\` (all components; its source-map comment
  removed, nothing else changed), \`css/token/krds_tokens.css\`, \`img/component/icon/\`,
  \`fonts/PretendardGOV-*.subset.woff2\` (the @font-face rules are in sotong.css because KRDS
  declares none), \`js/component/ui-script.js\`.
- Licences: LICENSE (KRDS, ISC as declared by the package), fonts/LICENSE-PretendardGOV.txt (OFL).
EOF

# --- htmx -------------------------------------------------------------------------------------
HTMX="$STATIC/htmx"
rm -rf "$HTMX"
mkdir -p "$HTMX"
cp "$WORK/htmx.org/package/dist/htmx.min.js" "$WORK/htmx.org/package/LICENSE" "$HTMX/"
cat >"$HTMX/README.md" <<EOF
# htmx (vendored)

npm package \`htmx.org@$HTMX_VERSION\` (sha256 of the tarball $HTMX_SHA256): \`dist/htmx.min.js\`
and \`LICENSE\` (0BSD). Re-vendor with \`bash scripts/vendor-assets.sh\`.
EOF

# --- axe-core (tests only) --------------------------------------------------------------------
rm -rf "$E2E_VENDOR"
mkdir -p "$E2E_VENDOR"
cp "$WORK/axe-core/package/axe.min.js" "$E2E_VENDOR/"
cp "$WORK/axe-core/package/LICENSE" "$E2E_VENDOR/LICENSE-axe-core"
cp "$WORK/axe-core/package/LICENSE-3RD-PARTY.txt" "$E2E_VENDOR/LICENSE-axe-core-3RD-PARTY.txt"
cat >"$E2E_VENDOR/README.md" <<EOF
# axe-core (vendored, tests only)

npm package \`axe-core@$AXE_VERSION\` (sha256 of the tarball $AXE_SHA256): \`axe.min.js\` and its
licences (MPL-2.0; third-party notices). Re-vendor with \`bash scripts/vendor-assets.sh\`.
EOF

echo "vendored: krds-uiux $KRDS_VERSION, htmx.org $HTMX_VERSION, axe-core $AXE_VERSION"
du -sh "$KRDS" "$HTMX" "$E2E_VENDOR"
