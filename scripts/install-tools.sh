#!/usr/bin/env bash
# Installs the system tools the CI checks use beyond cargo: poppler-utils (pdftotext, pdftoppm)
# to read the generated PDF as a reader would, and Debian's chromium to open the HTML report
# headless. Idempotent; needs root (or sudo) and Debian's apt.
set -euo pipefail
need=()
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
