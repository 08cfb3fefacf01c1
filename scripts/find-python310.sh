#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter, or explain how to get one and fail.
# Order: $PYTHON310 (explicit), python3.10 on PATH, pyenv, uv.
set -u

is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

if [ -n "${PYTHON310:-}" ] && is_310 "$PYTHON310"; then echo "$PYTHON310"; exit 0; fi

if command -v python3.10 >/dev/null 2>&1 && is_310 python3.10; then
  # A pyenv shim answers even when 3.10 is not selected; resolve it to the real binary.
  python3.10 -c 'import sys; print(sys.executable)'; exit 0
fi

if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for candidate in $(ls -d "$root"/versions/3.10.* 2>/dev/null | sort -V -r); do
    if is_310 "$candidate/bin/python"; then echo "$candidate/bin/python"; exit 0; fi
  done
fi

if command -v uv >/dev/null 2>&1; then
  found=$(uv python find 3.10 2>/dev/null) && is_310 "$found" && { echo "$found"; exit 0; }
fi

cat >&2 <<'MSG'
Ankommen needs Python 3.10 (Rasa 3.6 supports nothing newer), and none was found.
Install it with one of:
  pyenv install 3.10          (https://github.com/pyenv/pyenv)
  uv python install 3.10      (https://docs.astral.sh/uv/)
  apt-get install python3.10 python3.10-venv   (where your distribution has it)
or point PYTHON310 at an interpreter:  make run PYTHON310=/path/to/python3.10
MSG
exit 1
