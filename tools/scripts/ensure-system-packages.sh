#!/usr/bin/env bash
# Install the Debian packages manualkit needs, only those missing.
# Idempotent and fast when everything is present (one dpkg-query call).
set -euo pipefail

PACKAGES=(
  python3-venv            # .venv on Debian's own python3 (see the Makefile's PYTHON)
  fonts-noto-cjk          # Noto Serif/Sans CJK SC for PDF and DOCX rendering
  graphviz                # process flowcharts
  libharfbuzz-subset0     # fast, byte-stable font subsetting in WeasyPrint
  libpango-1.0-0          # WeasyPrint text layout
  libpangoft2-1.0-0
  poppler-utils           # pdftotext/pdffonts/pdfinfo/pdftoppm in tests
  chromium                # real-browser search test
  libreoffice-writer-nogui  # real-client DOCX test
  pandoc                  # benchmark reference pipeline
  git
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: these system packages are required but missing, and apt-get is not available:" >&2
  echo "  ${missing[*]}" >&2
  echo "Install them with your system's package manager, then run make again." >&2
  exit 1
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "error: missing system packages (${missing[*]}) and not root; run as root or install them." >&2
    exit 1
  fi
fi

echo "Installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
