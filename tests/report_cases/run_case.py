#!/usr/bin/python3
"""ctest report_case_<name>: one of the runs the README shows, end to end.

    run_case.py --fathom BUILD/fathom --proto-py DIR --data-dir DATA --out DIR CASE [--screenshot PNG]

CASE is `iris` (the bundled default run: `fathom train` with no --data), `xor` (2 inputs:
decision regions and the network diagram) or `fashion` (Fashion-MNIST's 10,000 test images:
first-layer weights as 28×28 pictures, a 10-class confusion matrix). Each trains with
`--tensorboard` and `--report`, then:
- opens the report in headless chromium (tests/browser/check_page.py): every figure drawn, the
  case's own figures present, no error, no request leaving the file; a screenshot when asked
  (scripts/report-screenshots.sh refreshes the README's pictures this way);
- reads the TensorBoard files back with the independent reader (tests/tensorboard/): train/
  (and validation/ when the run validates) hold one epoch_loss per epoch trained and a weight
  histogram per tensor whose counts sum to the tensor's size.
"""
import argparse
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tensorboard"))
import read_events  # noqa: E402

FASHION = "/usr/share/datasets/fashion-mnist"
CASES = {
    # The README's first command, plus the two outputs.
    "iris": {
        "args": ["--early-stopping", "20"],
        "figures": ["loss", "accuracy", "lr", "confusion", "scores", "network", "hist-dense_1/W"],
        "tensors": {"dense_1/W": 32, "dense_1/b": 8, "dense_2/W": 24, "dense_2/b": 3},
        "validation": True,
    },
    "xor": {
        "args": ["--data", "{data}/xor.csv", "--target", "y", "--layers", "4:tanh,1:sigmoid",
                 "--epochs", "500", "--batch-size", "4", "--lr", "0.05"],
        "figures": ["loss", "accuracy", "confusion", "decision-regions", "network"],
        "tensors": {"dense_1/W": 8, "dense_1/b": 4, "dense_2/W": 4, "dense_2/b": 1},
        "validation": False,
    },
    "fashion": {
        "args": ["--data", f"idx:{FASHION}/t10k-images-idx3-ubyte.gz,{FASHION}/t10k-labels-idx1-ubyte.gz",
                 "--layers", "32:relu,10:softmax", "--epochs", "5", "--batch-size", "64",
                 "--validation-split", "0.2", "--seed", "1"],
        "figures": ["loss", "accuracy", "confusion", "scores", "weights-images", "hist-dense_1/W"],
        "tensors": {"dense_1/W": 784 * 32, "dense_1/b": 32, "dense_2/W": 320, "dense_2/b": 10},
        "validation": True,
    },
}


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check_events(folder, pb2, epochs, tensors):
    files = glob.glob(os.path.join(folder, "events.out.tfevents.*"))
    if len(files) != 1:
        fail(f"{folder}: expected one event file, found {files}")
    events, truncated = read_events.read_events(files[0], pb2)  # raises on a bad CRC
    if truncated:
        fail(f"{files[0]}: the last record is cut short after a finished run")
    values = read_events.values_of(events, pb2)
    loss_steps = [step for step, tag, *_ in values if tag == "epoch_loss"]
    if loss_steps != list(range(epochs)):
        fail(f"{files[0]}: epoch_loss at steps {loss_steps}, expected 0..{epochs - 1}")
    if os.path.basename(folder) == "train":
        for tag, size in tensors.items():
            hists = [v for step, t, plugin, shape, v in values if t == tag and plugin == "histograms"]
            if not hists:
                fail(f"{files[0]}: no histogram of {tag}")
            for counts in hists:
                if round(sum(counts[2::3])) != size:
                    fail(f"{files[0]}: a histogram of {tag} counts {sum(counts[2::3])} values, not {size}")
    return len(events)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fathom", required=True)
    parser.add_argument("--proto-py", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--screenshot")
    parser.add_argument("case", choices=sorted(CASES))
    args = parser.parse_args()
    case = CASES[args.case]
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, args.case)
    tb = base + "-tensorboard"
    subprocess.run(["rm", "-rf", tb], check=True)
    command = [args.fathom, "train", *[a.format(data=args.data_dir) for a in case["args"]],
               "--tensorboard", tb, "--report", base + ".html", "--save", base + ".fathom",
               "--force", "--quiet"]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        fail(f"{' '.join(command)} exited {run.returncode}:\n{run.stderr}")

    check = [sys.executable, os.path.join(HERE, "..", "browser", "check_page.py"), base + ".html",
             "--expect-figure", *case["figures"]]
    if args.screenshot:
        check += ["--screenshot", args.screenshot]
    page = subprocess.run(check, capture_output=True, text=True)
    print(page.stdout[-2000:])
    if page.returncode != 0:
        fail(f"the report did not pass in the browser:\n{page.stderr}")

    pb2 = read_events.load_events_pb2(args.proto_py)
    info = subprocess.run([args.fathom, "info", "--model", base + ".fathom"], capture_output=True, text=True)
    epochs = None
    for line in info.stdout.splitlines():  # "History: 57 epoch(s) recorded": the run's own count
        if line.startswith("History:"):
            epochs = int(line.split()[1])
    if epochs is None:
        fail(f"fathom info printed no 'History:' line:\n{info.stdout}")
    records = check_events(os.path.join(tb, "train"), pb2, epochs, case["tensors"])
    folders = sorted(os.listdir(tb))
    if case["validation"]:
        records += check_events(os.path.join(tb, "validation"), pb2, epochs, case["tensors"])
        if folders != ["train", "validation"]:
            fail(f"{tb} holds {folders}, expected train and validation")
    elif folders != ["train"]:
        fail(f"{tb} holds {folders}, expected train only (no validation data)")
    print(f"report_case {args.case}: report drawn in chromium, {records} TensorBoard records over {epochs} epochs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
