# Sourced by scripts/setup.sh: headless Chromium for the dashboard's browser test.
# Debian's own package, kept current by Debian's security updates (an exact version pin would
# break as soon as the mirror moves on); DejaVu is the font the page asks for, so screenshots
# look the same on every machine.
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -q DejaVuSans; then
  echo "setup: Chromium and the DejaVu fonts (apt)"
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
