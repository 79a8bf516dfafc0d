"""The Python examples of README.md and docs/python.md, run as printed (each file's blocks in
order, in one namespace, in a folder where data/ is fathom's bundled data)."""
import os
import re

import pytest

from conftest import REPO


def blocks(path):
    found = re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)
    assert found, f"{path}: no ```python block"
    return found


@pytest.mark.parametrize("doc", ["README.md", "docs/python.md"])
def test_python_examples_run_as_printed(doc, tmp_path, monkeypatch):
    (tmp_path / "data").symlink_to(REPO / "data")
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for i, code in enumerate(blocks(REPO / doc)):
        exec(compile(code, f"{doc} python block {i + 1}", "exec"), namespace)
    assert os.path.exists("iris.fathom")
