#!/usr/bin/env python3
"""Writes the README's C++ examples as one program, so that a test compiles and runs them.

Usage: extract_snippets.py README.md OUT.cpp

Every ```cpp block of the README becomes one scope of main(): its #include lines go to the
top of the file, the rest runs with `x` (25 features x 10 samples) and `y` (5 one-hot
outputs) defined, the data the README's snippet trains on.
"""
import re
import sys

readme, out = sys.argv[1], sys.argv[2]
blocks = re.findall(r"```cpp\n(.*?)```", open(readme, encoding="utf-8").read(), re.S)
if not blocks:
    sys.exit(f"{readme}: no ```cpp block found")
includes, bodies = [], []
for block in blocks:
    lines = block.splitlines()
    includes += [l for l in lines if l.startswith("#include")]
    bodies.append("\n".join("    " + l for l in lines if not l.startswith("#include")))
program = "\n".join(dict.fromkeys(includes)) + """
#include <fathom/fathom.hpp>

int main() {
  fathom::Rng rng(1);
  fathom::Matrix x(25, 10), y = fathom::Matrix::Zero(5, 10);
  for (fathom::Index j = 0; j < 10; ++j) {
    for (fathom::Index i = 0; i < 25; ++i) x(i, j) = rng.uniform(0, 1) < 0.5 ? 0.0f : 1.0f;
    y(j % 5, j) = 1;
  }
""" + "\n".join("  {\n" + b + "\n  }" for b in bodies) + "\n  return 0;\n}\n"
open(out, "w", encoding="utf-8").write(program)
