#!/usr/bin/env bash
# Installs the Debian packages the project needs, when run as root and when
# something is missing. As another user it only reports what is missing.
set -euo pipefail
PKGS=(postgresql-15-postgis-3 postgresql-client-15 gdal-bin libgdal-dev gettext chromium fonts-noto-cjk python3-venv)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm runs the JavaScript linter (make lint); Debian's npm brings nodejs.
command -v npm >/dev/null || missing+=(npm)
# A PostgreSQL server is only needed when none answers on 127.0.0.1:5432.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && ! command -v /usr/lib/postgresql/15/bin/initdb >/dev/null; then
  missing+=(postgresql-15)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages (run as root or install them): ${missing[*]}" >&2
  exit 0
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
