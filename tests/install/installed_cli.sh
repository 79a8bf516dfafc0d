#!/bin/sh
# The installed `fathom` needs nothing of the source tree or the build folder: it is installed
# into a scratch prefix, the prefix is moved elsewhere, and its default job (no --data: the
# bundled Iris) runs from another folder with the data installed in share/fathom.
# Usage: installed_cli.sh CMAKE BUILD_DIR SCRATCH_DIR SOURCE_DIR [CHECK_PATHS yes|no]
# (no: a sanitizer build, whose reports name source files, so their paths are in it)
set -eu
cmake=$1 build=$2 scratch=$3 source=$4 check_paths=${5:-yes}
rm -rf "$scratch"
mkdir -p "$scratch/elsewhere"
"$cmake" --install "$build" --prefix "$scratch/prefix" >/dev/null
mv "$scratch/prefix" "$scratch/moved"
fathom=$scratch/moved/bin/fathom
# No path of the source tree (nor of the build folder inside it) is compiled in.
if [ "$check_paths" = yes ]; then
  for dir in "$source" "$build"; do
    if grep -aqF "$dir" "$fathom"; then
      echo "the installed fathom has the path $dir compiled in:"
      grep -aoF "$dir" "$fathom" | head -3
      exit 1
    fi
  done
fi
test -f "$scratch/moved/share/fathom/iris.csv" || { echo "share/fathom/iris.csv not installed"; exit 1; }
cd "$scratch/elsewhere"
env -u FATHOM_DATA_DIR "$fathom" train --epochs 3 --save iris.fathom 2>train.err || {
  cat train.err
  exit 1
}
grep -qF "$scratch/moved/share/fathom/iris.csv" train.err || {
  echo "the default job did not read the installed data:"
  cat train.err
  exit 1
}
"$fathom" evaluate --model iris.fathom --data "$scratch/moved/share/fathom/iris.csv" >/dev/null
echo "installed fathom ran from $scratch/moved"
