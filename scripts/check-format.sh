#!/usr/bin/env bash
# Checks that every C and C++ source file git tracks (and every new one it does not ignore) is
# formatted as .clang-format says, with Debian's clang-format. Lists the files that are not
# and exits 1 if there is any.
#   scripts/check-format.sh          check only
#   scripts/check-format.sh --fix    reformat those files in place
set -euo pipefail
cd "$(dirname "$0")/.."

fix=0
case "${1:-}" in
  "") ;;
  --fix) fix=1 ;;
  *) echo "usage: $0 [--fix]" >&2; exit 2 ;;
esac

command -v clang-format >/dev/null || { echo "clang-format not found (apt-get install clang-format)" >&2; exit 2; }

mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
  '*.c' '*.cc' '*.cpp' '*.h' '*.hpp' | sort -u)
unformatted=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue  # deleted in the working tree
  if ! clang-format --style=file "$f" | cmp -s - "$f"; then
    unformatted+=("$f")
  fi
done

if ((${#unformatted[@]} == 0)); then
  echo "check-format: ${#files[@]} files formatted as .clang-format says"
  exit 0
fi
if ((fix)); then
  clang-format --style=file -i "${unformatted[@]}"
  printf 'reformatted %s\n' "${unformatted[@]}"
  exit 0
fi
printf '%s\n' "${unformatted[@]}"
echo "check-format: ${#unformatted[@]} of ${#files[@]} files are not formatted; run scripts/check-format.sh --fix" >&2
exit 1
