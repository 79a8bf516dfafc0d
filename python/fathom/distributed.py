"""Data-parallel training over MPI (docs/scaling.md), as Horovod does it for Keras::

    # mpirun -np 4 python3 train.py
    import fathom, fathom.distributed
    world = fathom.distributed.init()      # MPI_Init; None when not started by mpirun
    model.fit(x, y, epochs=10, batch_size=128, communicator=world)   # same x, y on every rank
    if world is None or world.rank == 0:
        model.save("model.fm")

Every process loads the same data and builds the same model; fit splits each batch across them
and sums their gradients with MPI_Allreduce, so the model is the one a single process would
train with that batch_size. Rank 0's initial weights are copied to the others; the losses,
metrics and validation are over every process, so callbacks decide alike everywhere. fit prints
on rank 0 only (verbose "auto"). An uncaught exception on any rank ends the whole job
(MPI_Abort) instead of leaving the others waiting.
"""
import atexit
import os
import sys

from . import _fathom

_d = _fathom.distributed


def available():
    """Whether this fathom was built with MPI."""
    return _d.available()


def launched():
    """Whether an MPI launcher (mpirun, mpiexec, srun) started this process."""
    return _d.launched()


def _job_size():
    for name in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"):
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return 1


_world = None


def init():
    """Starts MPI once and returns the world communicator (its .rank and .size), or None when
    this process is on its own (not started by an MPI launcher, or a job of one). Raises
    RuntimeError when an MPI launcher started several processes but fathom was built without MPI."""
    global _world
    if _world is not None:
        return _world
    if not launched():
        return None
    if not available():
        if _job_size() <= 1:
            return None
        raise RuntimeError("started by mpirun with %d processes, but this fathom was built without MPI "
                           "(install libopenmpi-dev and build with -DFATHOM_MPI=ON)" % _job_size())
    world = _d.world()  # the job's size from MPI itself: not every launcher says it
    atexit.register(_d.finalize)
    if world.size <= 1:
        return None
    _world = world
    previous = sys.excepthook

    def abort_job(kind, value, traceback):
        # The traceback first, then the end of every process: the others may be waiting for this
        # one in a sum that would never come.
        previous(kind, value, traceback)
        sys.stderr.flush()
        _d.abort(1)

    sys.excepthook = abort_job
    return _world


def rank():
    """This process's rank (0 when not in an MPI job)."""
    return _world.rank if _world is not None else 0


def size():
    """The number of processes of the job (1 when not in one)."""
    return _world.size if _world is not None else 1
