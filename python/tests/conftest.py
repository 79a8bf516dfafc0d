"""Shared fixtures of fathom's Python tests (run by ctest with PYTHONPATH=build/python and
FATHOM_CLI=the `fathom` command of the same build)."""
import os
import pathlib
import subprocess

import numpy as np
import pytest

import fathom

REPO = pathlib.Path(__file__).resolve().parents[2]

# Under ctest, PYTHONPATH names the build tree's package: make sure that is the one imported,
# not an older copy installed by scripts/setup.sh.
if os.environ.get("PYTHONPATH") and not any(
        pathlib.Path(fathom.__file__).resolve().is_relative_to(pathlib.Path(p).resolve())
        for p in os.environ["PYTHONPATH"].split(os.pathsep) if p):
    raise ImportError(f"fathom was imported from {fathom.__file__}, not from PYTHONPATH={os.environ['PYTHONPATH']}")


@pytest.fixture(scope="session")
def cli():
    """Runs the `fathom` command; returns its CompletedProcess (text), failing the test on an error."""
    path = os.environ.get("FATHOM_CLI", str(REPO / "build" / "fathom"))

    def run(*args, check=True):
        result = subprocess.run([path, *map(str, args)], capture_output=True, text=True)
        if check and result.returncode != 0:
            pytest.fail(f"fathom {' '.join(map(str, args))} exited {result.returncode}:\n{result.stderr}")
        return result

    return run


@pytest.fixture(scope="session")
def iris():
    """The Iris CSV fathom bundles: (features float32 (150, 4), labels as text, feature names)."""
    path = REPO / "data" / "iris.csv"
    header = path.read_text().splitlines()[0].split(",")
    rows = [line.split(",") for line in path.read_text().splitlines()[1:] if line]
    x = np.array([[float(v) for v in r[:4]] for r in rows], dtype=np.float32)
    y = np.array([r[4] for r in rows])
    return x, y, header[:4]


def write_csv(path, x, y=None, names=None, target="label"):
    """x (float32) with every value written so that it reads back to the same float32."""
    names = names or [f"f{i}" for i in range(x.shape[1])]
    lines = [",".join(names + ([target] if y is not None else []))]
    for i, row in enumerate(x):
        cells = [f"{float(v):.9g}" for v in row]
        if y is not None:
            cells.append(str(y[i]))
        lines.append(",".join(cells))
    pathlib.Path(path).write_text("\n".join(lines) + "\n")
