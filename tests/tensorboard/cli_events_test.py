#!/usr/bin/python3
"""ctest tensorboard_events_read_back: `fathom train --tensorboard` on Iris with validation,
read back by the independent reader (read_events.py), checked against the run's --log CSV.

    cli_events_test.py --fathom BUILD/fathom --proto-py DIR --data data/iris.csv

Asserts: the files are in train/ and validation/; every record's CRCs hold; the first record is
the file version; every scalar equals the CSV's value for that epoch (to float precision) and
no tag is missing or extra; batch_loss every --update-freq batches at the optimizer's step;
histograms (30 buckets) every --histogram-freq epochs whose counts sum to each tensor's size,
for the weights and their gradients; the model summary as text; and a copy of the file cut
inside a record is read up to the cut.
"""
import argparse
import csv
import glob
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import read_events  # noqa: E402

EPOCHS, BATCH, UPDATE_FREQ, HISTOGRAM_FREQ = 12, 16, 3, 5
TRAIN_SAMPLES = 120  # 150 flowers, 20 % held out
# 4 inputs → 8 tanh → 3 softmax (the Normalization layer has no trainable parameters).
TENSOR_SIZES = {"dense_1/W": 32, "dense_1/b": 8, "dense_2/W": 24, "dense_2/b": 3}

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def one_file(folder):
    files = glob.glob(os.path.join(folder, "events.out.tfevents.*.v2"))
    check(len(files) == 1, f"{folder}: expected one event file, found {files}")
    return files[0]


def same_float(stored, logged):
    # The file holds float32; the CSV 9 significant digits of the double.
    return math.isclose(stored, logged, rel_tol=2e-7, abs_tol=1e-30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fathom", required=True)
    parser.add_argument("--proto-py", required=True)
    parser.add_argument("--data", required=True)
    args = parser.parse_args()
    pb2 = read_events.load_events_pb2(args.proto_py)
    work = tempfile.mkdtemp(prefix="fathom_tensorboard_")
    try:
        run_and_check(args, pb2, work)
        check_killed_run(args, pb2, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAIL:", f)
    print(f"{len(failures)} failures" if failures else "ok")
    return 1 if failures else 0


def run_and_check(args, pb2, work):
    logdir, log = os.path.join(work, "tb"), os.path.join(work, "log.csv")
    command = [args.fathom, "train", "--data", args.data, "--target", "species", "--layers", "8:tanh,3:softmax",
               "--epochs", str(EPOCHS), "--batch-size", str(BATCH), "--validation-split", "0.2",
               "--tensorboard", logdir, "--update-freq", str(UPDATE_FREQ), "--histogram-freq", str(HISTOGRAM_FREQ),
               "--log", log, "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        failures.append(f"fathom train exited {done.returncode}: {done.stderr}")
        return
    check(sorted(os.listdir(logdir)) == ["train", "validation"], f"{logdir} holds {os.listdir(logdir)}")
    with open(log, newline="") as f:
        rows = list(csv.DictReader(f))
    check(len(rows) == EPOCHS, f"the CSV log has {len(rows)} rows")

    sides = {}
    for side in ("train", "validation"):
        path = one_file(os.path.join(logdir, side))
        events, truncated = read_events.read_events(path, pb2)  # raises on a CRC that does not match
        check(not truncated, f"{path}: truncated")
        check(events[0].WhichOneof("what") == "file_version" and events[0].file_version == "brain.Event:2",
              f"{path}: the first record is not the file version")
        check(all(e.wall_time > 1.5e9 for e in events), f"{path}: a wall_time is not a time")
        sides[side] = (path, read_events.values_of(events, pb2))

    check_scalars(rows, sides)
    check_batches(sides["train"][1])
    check_histograms(sides["train"][1])
    texts = [v for v in sides["train"][1] if v[2] == "text"]
    check(len(texts) == 1 and texts[0][1] == "model_summary" and texts[0][0] == 0,
          f"expected one model_summary text at step 0, got {[(s, t) for s, t, *_ in texts]}")
    if texts:
        check("Total params: 67" in texts[0][4][0] and "dense_1" in texts[0][4][0],
              f"the summary text is {texts[0][4][0]!r}")
    check_cut_copies(sides["train"][0], work)


def check_scalars(rows, sides):
    expected = {"train": {}, "validation": {}}  # (tag, step) → value
    for row in rows:
        step = int(row["epoch"])
        for key, text in row.items():
            if key == "epoch":
                continue
            if key.startswith("val_"):
                expected["validation"][("epoch_" + key[4:], step)] = float(text)
            else:
                tag = "epoch_learning_rate" if key == "lr" else "epoch_" + key
                expected["train"][(tag, step)] = float(text)
    for side, (path, values) in sides.items():
        got = {(tag, step): (shape, vals) for step, tag, plugin, shape, vals in values
               if plugin == "scalars" and tag.startswith("epoch_")}
        check(set(got) == set(expected[side]),
              f"{side}: scalar tags/steps {sorted(set(got) ^ set(expected[side]))} differ from the CSV's")
        for key, value in expected[side].items():
            if key in got:
                shape, vals = got[key]
                check(shape == [] and len(vals) == 1, f"{side} {key}: not a rank-0 scalar: {shape}")
                check(same_float(vals[0], value), f"{side} {key}: {vals[0]!r} in the file, {value!r} in the CSV")


def check_batches(values):
    batches_per_epoch = math.ceil(TRAIN_SAMPLES / BATCH)
    steps = [step for step, tag, *_ in values if tag == "batch_loss"]
    want = list(range(UPDATE_FREQ, EPOCHS * batches_per_epoch + 1, UPDATE_FREQ))
    check(steps == want, f"batch_loss at steps {steps}, expected {want}")
    check(all(math.isfinite(v[4][0]) and v[4][0] > 0 for v in values if v[1] == "batch_loss"), "a batch_loss is not > 0")


def check_histograms(values):
    histograms = [v for v in values if v[2] == "histograms"]
    want_steps = list(range(0, EPOCHS, HISTOGRAM_FREQ))
    for name, size in TENSOR_SIZES.items():
        for tag in (name, name + "/gradient"):
            found = [(step, shape, vals) for step, t, _, shape, vals in histograms if t == tag]
            check([s for s, _, _ in found] == want_steps, f"{tag}: histograms at {[s for s, _, _ in found]}")
            for step, shape, vals in found:
                check(shape == [30, 3], f"{tag} step {step}: shape {shape}")
                lefts, rights, counts = vals[0::3], vals[1::3], vals[2::3]
                check(sum(counts) == size, f"{tag} step {step}: counts sum to {sum(counts)}, the tensor has {size}")
                check(all(l <= r for l, r in zip(lefts, rights)) and lefts == sorted(lefts),
                      f"{tag} step {step}: buckets out of order")
    check(len(histograms) == 2 * len(TENSOR_SIZES) * len(want_steps), f"{len(histograms)} histograms in all")


def check_killed_run(args, pb2, work):
    """SIGKILL a real training once its file holds a few epochs: every epoch that ended before
    the kill reads back, so a kill loses at most the epoch under way."""
    logdir = os.path.join(work, "killed")
    command = [args.fathom, "train", "--data", args.data, "--target", "species", "--layers", "8:tanh,3:softmax",
               "--epochs", "1000000", "--batch-size", "1", "--tensorboard", logdir, "--quiet"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen, deadline = 0, time.monotonic() + 60
    try:
        while seen < 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            files = glob.glob(os.path.join(logdir, "train", "events.out.tfevents.*"))
            if files:
                events, _ = read_events.read_events(files[0], pb2)
                seen = sum(1 for v in read_events.values_of(events, pb2) if v[1] == "epoch_loss")
    finally:
        proc.kill()
        proc.wait()
    check(seen >= 3, f"the killed run showed {seen} epochs within 60 s (exit {proc.returncode})")
    path = one_file(os.path.join(logdir, "train"))
    events, _ = read_events.read_events(path, pb2)  # truncated is allowed; a bad CRC raises
    epochs = sorted(v[0] for v in read_events.values_of(events, pb2) if v[1] == "epoch_loss")
    check(len(epochs) >= seen and epochs == list(range(len(epochs))),
          f"after the kill: epoch_loss at {epochs}, at least the {seen} epochs seen before it")


def check_cut_copies(path, work):
    with open(path, "rb") as f:
        blob = f.read()
    records, _ = read_events.read_records(path)
    offsets, pos = [], 0
    for r in records:
        offsets.append(pos)
        pos += 12 + len(r) + 4
    k = len(records) // 2
    start, length = offsets[k], len(records[k])
    for cut, name in ((start + 5, "in the length"), (start + 12 + length // 2, "in the data"),
                      (start + 12 + length + 2, "in the last CRC")):
        copy = os.path.join(work, "cut")
        with open(copy, "wb") as f:
            f.write(blob[:cut])
        got, truncated = read_events.read_records(copy)
        check(len(got) == k and truncated, f"cut {name}: {len(got)} records (want {k}), truncated {truncated}")
        check(got == records[:k], f"cut {name}: the complete records differ")
    with open(copy, "wb") as f:
        f.write(blob[:start])
    got, truncated = read_events.read_records(copy)
    check(len(got) == k and not truncated, f"cut between records: {len(got)} records, truncated {truncated}")
    flipped = bytearray(blob)
    flipped[start + 12] ^= 0x01
    with open(copy, "wb") as f:
        f.write(bytes(flipped))
    try:
        read_events.read_records(copy)
        failures.append("a flipped data bit was not caught by the CRC")
    except read_events.CorruptRecord:
        pass


if __name__ == "__main__":
    sys.exit(main())
