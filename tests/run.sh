#!/usr/bin/env bash
# Install everything the test suite needs, then lint and run the whole suite:
#   - Samba AD DC and the OpenLDAP client tools (Debian packages), for the tests against a real
#     Active Directory domain controller that the suite provisions and starts on loopback;
#   - openssl, which issues the test domain controller's certificate;
#   - MIT Kerberos: kinit, for the test that binds with a ticket from the domain controller's own KDC,
#     and the headers (with gcc) that the gssapi package builds against, having no Linux wheels;
#   - Chromium and a font for it (Debian packages; the font is only a recommendation of chromium, which
#     --no-install-recommends skips), which Playwright drives headless to check the HTML report;
#   - LibreOffice Calc without its GUI, which opens the CSV as a spreadsheet to check no cell is a formula;
#   - ICU's headers, pkg-config and g++, which PyICU (ICU's UTS #39 SpoofChecker, the reference for
#     look-alike characters) builds against, having no Linux wheels;
#   - dlscan with its test extras, in .venv.
# Extra arguments go to pytest, e.g. `bash tests/run.sh -k ldif`.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(samba samba-ad-dc samba-ad-provision ldb-tools ldap-utils openssl krb5-user libkrb5-dev gcc
          chromium fonts-liberation libreoffice-calc-nogui libicu-dev pkg-config g++)
# What the packages above put in place; any one missing installs them all.
missing=false
for command in samba samba-tool ldapsearch ldapmodify openssl kinit krb5-config gcc g++ pkg-config chromium soffice; do
  command -v "$command" >/dev/null || missing=true
done
for folder in /usr/share/samba/setup /usr/share/fonts/truetype/liberation /usr/include/unicode; do
  [ -d "$folder" ] || missing=true
done
if $missing; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
.venv/bin/ruff check .
# The services above are installed: a test that needs one must fail without it, never skip.
export DLSCAN_REQUIRE_SERVICES=1
.venv/bin/python -m pytest "$@"
