#!/usr/bin/env python3
"""Runs check_page.py on one page of tests/browser/fixtures/ and checks its verdict, so that
the harness is shown to pass a good page and to fail each kind of bad one for its reason.

Usage: harness_test.py FIXTURE [--expect-failure REGEX] [check_page.py options...]

FIXTURE is a file name in fixtures/ without .html. The page is copied to a scratch folder
first, with Debian's Chart.js written into it where it has <script data-inline="chart.js">,
as the report generator inlines it. Without --expect-failure the check must pass (exit 0) and
its full-page screenshot must be a PNG as wide as the viewport; with it, the check must fail
as a page failure (exit 1, not 2: a harness that cannot run proves nothing) and say something
matching REGEX.
"""
import argparse
import pathlib
import re
import struct
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
CHART_JS = pathlib.Path("/usr/share/javascript/chart.js/chart.min.js")
INLINE = '<script data-inline="chart.js"></script>'


def build_page(fixture, folder):
    html = (HERE / "fixtures" / f"{fixture}.html").read_text(encoding="utf-8")
    if INLINE in html:
        if not CHART_JS.is_file():
            sys.exit(f"{CHART_JS}: libjs-chart.js is not installed: scripts/setup.sh installs it")
        # "</script" inside the library would end the inline element early.
        library = CHART_JS.read_text(encoding="utf-8").replace("</script", "<\\/script")
        html = html.replace(INLINE, f"<script>{library}</script>")
    page = folder / f"{fixture}.html"
    page.write_text(html, encoding="utf-8")
    return page


def png_size(path):
    data = path.read_bytes()[:24]
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def main():
    parser = argparse.ArgumentParser(allow_abbrev=False)  # check_page's options pass through
    parser.add_argument("fixture")
    parser.add_argument("--expect-failure", metavar="REGEX")
    args, check_args = parser.parse_known_args()
    with tempfile.TemporaryDirectory(prefix=f"fathom-browser-{args.fixture}-") as scratch:
        folder = pathlib.Path(scratch)
        page = build_page(args.fixture, folder)
        shot = folder / "page.png"
        command = [sys.executable, str(HERE / "check_page.py"), str(page), *check_args]
        if not args.expect_failure:
            command += ["--screenshot", str(shot)]
        run = subprocess.run(command, capture_output=True, text=True)
        print(run.stdout, end="")
        print(run.stderr, end="", file=sys.stderr)
        if args.expect_failure:
            if run.returncode != 1:
                sys.exit(f"FAIL: {args.fixture}: check_page.py exited {run.returncode}, "
                         "expected 1 (the page fails its checks)")
            if not re.search(args.expect_failure, run.stderr):
                sys.exit(f"FAIL: {args.fixture}: check_page.py failed, but not with /{args.expect_failure}/")
            print(f"PASS: {args.fixture} fails as it should")
            return
        if run.returncode != 0:
            sys.exit(f"FAIL: {args.fixture}: check_page.py exited {run.returncode}, expected 0")
        width = 1200
        if "--width" in check_args:
            width = int(check_args[check_args.index("--width") + 1])
        size = png_size(shot) if shot.is_file() else None
        if size is None or size[0] != width or size[1] == 0:
            sys.exit(f"FAIL: {args.fixture}: the screenshot is not a {width}-pixel wide PNG ({size})")
        print(f"PASS: {args.fixture} passes; screenshot {size[0]}x{size[1]}")


if __name__ == "__main__":
    main()
