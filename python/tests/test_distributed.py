"""fathom.distributed: `mpirun -np N python3 script.py` trains one model data-parallel from
Python (docs/scaling.md): the same weights as one process's, printed and saved by rank 0 alone,
and an exception on one rank ends the whole job instead of leaving the other waiting."""
import os
import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fathom
import fathom.distributed

pytestmark = pytest.mark.skipif(not fathom.distributed.available(), reason="fathom was built without MPI")

SCRIPT = textwrap.dedent("""
    import os
    import sys
    import numpy as np
    import fathom, fathom.distributed

    world = fathom.distributed.init()
    rng = np.random.default_rng(3)
    x = rng.normal(size=(90, 4)).astype(np.float32)
    y = np.array(["abc"[i % 3] for i in range(90)])
    x[np.arange(90), np.arange(90) % 3] += 1.5
    model = fathom.Sequential(4, seed=7)
    model.add(fathom.Dense(8, "tanh"))
    model.add(fathom.Dense(3, "softmax"))
    model.compile(loss="cce", optimizer=fathom.Adam(learning_rate=0.01), metrics=["accuracy"])
    if sys.argv[2] == "fail" and fathom.distributed.rank() == 1:
        raise ValueError("rank 1 gives up")
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.2, communicator=world)
    if fathom.distributed.rank() == 0:
        model.save(sys.argv[1])
    report = "rank %d of %d val_accuracy %r\\n" % (fathom.distributed.rank(), fathom.distributed.size(),
                                                   history.history["val_accuracy"][-1])
    sys.stdout.flush()
    os.write(1, report.encode())  # one write: the ranks' lines do not interleave

""")


def mpirun(n, *args, timeout=120):
    return subprocess.run([shutil.which("mpirun") or "mpirun", "--oversubscribe", "--allow-run-as-root", "-np", str(n),
                           sys.executable, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ))


def weights(path):
    return np.concatenate([np.ravel(w) for w in fathom.load_model(path).get_weights()])


def test_a_job_trains_the_model_one_process_trains(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    one = subprocess.run([sys.executable, script, tmp_path / "one.fm", "ok"], capture_output=True, text=True)
    assert one.returncode == 0, one.stderr
    assert fathom.distributed.init() is None  # this process is on its own
    for n in (2, 3):
        job = mpirun(n, script, tmp_path / f"job{n}.fm", "ok")
        assert job.returncode == 0, job.stderr
        # Every rank reports the same validation accuracy (reduced); only rank 0 prints epochs.
        # (mpirun hands rank 0 a terminal: its progress bar may share a line with a report.)
        reports = re.findall(r"rank (\d) of (\d) val_accuracy (\S+)", job.stdout)
        assert sorted(int(r[0]) for r in reports) == list(range(n)), job.stdout
        assert {r[1] for r in reports} == {str(n)} and len({r[2] for r in reports}) == 1, job.stdout
        assert job.stdout.count("Epoch 1/3") + job.stdout.count("epoch 1/3") == 1, job.stdout
        w, w1 = weights(tmp_path / f"job{n}.fm"), weights(tmp_path / "one.fm")
        assert np.max(np.abs(w - w1) / np.maximum(np.abs(w1), 0.01)) <= 1e-5


def test_an_exception_on_one_rank_ends_the_job(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    job = mpirun(2, script, tmp_path / "never.fm", "fail", timeout=60)
    assert job.returncode != 0
    assert "rank 1 gives up" in job.stderr
    assert not (tmp_path / "never.fm").exists()
