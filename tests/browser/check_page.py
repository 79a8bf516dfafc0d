#!/usr/bin/env python3
"""Opens an HTML page in a real (headless) chromium and checks that it rendered cleanly.

Usage: check_page.py PAGE.html [--screenshot OUT.png] [--width 1200] [--expect-figure ID...]
                     [--min-figures N] [--timeout 30] [--chromium /usr/bin/chromium]

The page follows the contract of fathom's HTML report (tests/browser/README.md): every figure is
an element of class `fathom-figure` with `data-figure="<id>"`, marked `data-drawn="true"` once
drawn, and the page sets `document.body.dataset.ready = "true"` when everything is rendered.
The page passes when, after it is ready, there was no console error or warning, no uncaught
exception, no request for anything but the page itself (data: and blob: URLs are part of the
page), every figure is drawn with a nonzero size, no canvas in a figure is blank, every expected
figure is there, and the page declares a Content-Security-Policy with default-src 'none'.

Prints a JSON summary on stdout. Exit status: 0 the page passed, 1 it failed (the reasons are in
the summary and on stderr), 2 the check could not run (no chromium, bad arguments, the browser
failed).
"""
import argparse
import base64
import json
import os
import pathlib
import signal
import sys
import time

sys.dont_write_bytecode = True  # run from the source tree: leave no __pycache__ there
import cdp  # noqa: E402
from page_probe import PROBE, SETTLE  # noqa: E402

STARTUP_TIMEOUT = 60  # seconds; chromium on a busy 2-core machine can take 20


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", type=pathlib.Path)
    parser.add_argument("--screenshot", type=pathlib.Path, help="write a full-page PNG here")
    parser.add_argument("--width", type=int, default=1200, help="viewport width in CSS pixels")
    parser.add_argument("--expect-figure", action="extend", nargs="+", default=[], metavar="ID",
                        help='[data-figure="ID"] elements that must be on the page')
    parser.add_argument("--min-figures", type=int, default=0, metavar="N")
    parser.add_argument("--timeout", type=float, default=30,
                        help="seconds to wait for the page to load, and again for it to be ready")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    return parser.parse_args()


class Recorder:
    """Keeps what the page's session reports: console messages, exceptions and requests."""

    def __init__(self, page_url):
        self.page_url = page_url
        self.session = None
        self.console, self.exceptions, self.requests, self.csp = [], [], [], []
        self.loaded = False

    def __call__(self, method, params, session):
        if session != self.session:
            return
        if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning", "assert"):
            text = " ".join(describe(arg) for arg in params.get("args", []))
            level = "error" if params["type"] == "assert" else params["type"]
            call = {"warning": "console.warn", "assert": "console.assert"}.get(params["type"], "console.error")
            self.add_console(level, f"{call} call", text, params.get("stackTrace"))
        elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
            entry = params["entry"]
            where = entry.get("url", "")
            text = entry["text"] + (f" ({where}:{entry['lineNumber']})" if "lineNumber" in entry else "")
            self.add_console(entry["level"], entry.get("source", "log"), text, None)
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text", "")
            text = text.split("\n")[0]  # the stack below it names the page only
            self.exceptions.append(f"{text} (line {details.get('lineNumber', 0) + 1}, "
                                   f"column {details.get('columnNumber', 0) + 1})")
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if url.split("#")[0] != self.page_url and not url.startswith(("data:", "blob:")):
                self.requests.append(url)
        elif method == "Page.loadEventFired":
            self.loaded = True

    def add_console(self, level, source, text, stack):
        if stack and stack.get("callFrames"):
            frame = stack["callFrames"][0]
            text += f" (line {frame['lineNumber'] + 1})"
        entry = {"level": level, "source": source, "text": text}
        # Chromium reports a blocked load or inline script as a console error whose text names
        # the policy; those are listed apart, as what the page tried that its policy forbids.
        (self.csp if "Content Security Policy" in text else self.console).append(entry)


def describe(remote_object):
    if "value" in remote_object:
        return str(remote_object["value"])
    return remote_object.get("description") or remote_object.get("type", "")


def evaluate(browser, session, expression, timeout):
    result = browser.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                               "awaitPromise": True}, session, timeout)
    if "exceptionDetails" in result:
        raise cdp.BrowserError(f"the harness's own script failed: {result['exceptionDetails']}")
    return result["result"].get("value")


def wait_for(browser, condition, timeout):
    """Handles events until condition() holds; False when `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        browser.pump(0.1)
    return True


def open_page(args, browser, recorder, summary):
    """Opens the page in a new tab and waits until it is ready; returns the tab's session (None
    when the page does not answer scripts) and the reasons the page fails so far."""
    browser.call("Target.setDiscoverTargets", {"discover": True})
    target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    recorder.session = session
    for domain in ("Runtime", "Log", "Network", "Page"):  # before navigating: nothing is missed
        browser.call(f"{domain}.enable", session=session)
    viewport = {"width": args.width, "height": 800, "deviceScaleFactor": 1, "mobile": False}
    browser.call("Emulation.setDeviceMetricsOverride", viewport, session)

    failures = []
    start = time.monotonic()
    navigation = browser.call("Page.navigate", {"url": recorder.page_url}, session, args.timeout)
    if navigation.get("errorText"):
        raise cdp.BrowserError(f"chromium could not open it ({navigation['errorText']})")
    if not wait_for(browser, lambda: recorder.loaded, args.timeout):
        # A script that never ends holds the load event back and would not answer the probe.
        return None, [f"the page did not finish loading within {args.timeout:g} s"]
    is_ready = 'document.body !== null && document.body.dataset.ready === "true"'
    try:
        ready = wait_for(browser, lambda: evaluate(browser, session, is_ready, args.timeout),
                         args.timeout)
        evaluate(browser, session, SETTLE, args.timeout)  # two frames, then what they logged
    except cdp.Timeout:
        return None, [f"the page's script stopped answering for {args.timeout:g} s"]
    if not ready:
        failures.append(f'document.body.dataset.ready was not "true" within {args.timeout:g} s '
                        "after the load event: the page never finished rendering")
    summary["seconds"]["load_and_ready"] = round(time.monotonic() - start, 3)
    browser.pump(0.05)
    return session, failures


def figure_failures(args, page):
    """What is wrong with the figures PROBE found (and the page's policy)."""
    failures = []
    for figure in page["figures"]:
        name = f'figure "{figure["id"]}"' if figure["id"] is not None else "a .fathom-figure without data-figure"
        if figure["id"] is None:
            failures.append(f"{name} (every figure needs an id)")
        if not figure["drawn"]:
            failures.append(f'{name} is not drawn (no data-drawn="true")')
        if figure["width"] == 0 or figure["height"] == 0:
            failures.append(f"{name} takes no room on the page ({figure['width']}x{figure['height']})")
        for i, canvas in enumerate(figure["canvases"]):
            label = f"{name}, canvas {i + 1}"
            if canvas["width"] == 0 or canvas["height"] == 0:
                failures.append(f"{label} has size {canvas['width']}x{canvas['height']}")
            elif canvas["error"]:
                failures.append(f"{label} could not be read back: {canvas['error']}")
            elif canvas["blank"]:
                failures.append(f"{label} is blank (every pixel transparent or white)")
        for image in figure["images"]:
            if not image["loaded"]:
                failures.append(f"{name}: image {image['src']} did not load")
    ids = [f["id"] for f in page["figures"]]
    for figure_id in sorted({i for i in ids if i is not None and ids.count(i) > 1}):
        failures.append(f'figure id "{figure_id}" is used {ids.count(figure_id)} times')
    for figure_id in args.expect_figure:
        if figure_id not in ids:
            failures.append(f'expected figure "{figure_id}" is not on the page')
    if len(ids) < args.min_figures:
        failures.append(f"{len(ids)} figures, fewer than --min-figures {args.min_figures}")
    if not any("default-src 'none'" in policy for policy in page["csp"]):
        failures.append("the page declares no Content-Security-Policy with default-src 'none' "
                        '(a <meta http-equiv="Content-Security-Policy">)')
    return failures


def check(args, browser, summary):
    """Loads the page and fills `summary`; returns the list of reasons it fails."""
    recorder = Recorder(args.page.resolve().as_uri())
    browser.on_event(recorder)
    session, failures = open_page(args, browser, recorder, summary)
    if session is not None:
        page = evaluate(browser, session, PROBE, args.timeout)
        drawn = sum(figure["drawn"] for figure in page["figures"])
        summary["figures"] = {"found": len(page["figures"]), "drawn": drawn, "list": page["figures"]}
        failures += figure_failures(args, page)
    if args.screenshot and session is not None:
        shot_start = time.monotonic()
        summary["screenshot"] = screenshot(args, browser, session)
        summary["seconds"]["screenshot"] = round(time.monotonic() - shot_start, 3)
    failures += [f"console {entry['level']} ({entry['source']}): {entry['text']}"
                 for entry in recorder.console]
    failures += [f"Content Security Policy violation: {entry['text']}" for entry in recorder.csp]
    failures += [f"uncaught exception: {text}" for text in recorder.exceptions]
    failures += [f"request leaves the file: {url}" for url in recorder.requests]
    summary.update(console=recorder.console, csp_violations=recorder.csp,
                   exceptions=recorder.exceptions, requests=recorder.requests)
    return failures


def screenshot(args, browser, session):
    """The whole page, as tall as it scrolls, at --width, written atomically."""
    # The root element's box: the content's height, not stretched to the viewport's.
    height = evaluate(browser, session, "Math.ceil(document.documentElement"
                      ".getBoundingClientRect().height)", args.timeout)
    browser.call("Emulation.setDeviceMetricsOverride", {
        "width": args.width, "height": max(int(height), 1), "deviceScaleFactor": 1,
        "mobile": False}, session)
    evaluate(browser, session, SETTLE, args.timeout)  # responsive charts redraw after a resize
    shot = browser.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                        session, args.timeout)
    partial = args.screenshot.with_name(args.screenshot.name + ".partial")
    partial.write_bytes(base64.b64decode(shot["data"]))
    os.replace(partial, args.screenshot)
    return str(args.screenshot)


def stopped(*_):
    print("check_page: stopped (SIGTERM); chromium is ended too", file=sys.stderr)
    sys.exit(2)


def main():
    args = parse_args()
    # A ctest timeout or ^C ends the check through `finally`, which ends chromium too.
    signal.signal(signal.SIGTERM, stopped)
    if not os.access(args.chromium, os.X_OK):
        print(f"check_page: {args.chromium}: chromium is not installed: scripts/setup.sh installs it",
              file=sys.stderr)
        return 2
    if not args.page.is_file():
        print(f"check_page: {args.page}: no such file", file=sys.stderr)
        return 2
    summary = {"page": str(args.page), "ok": False, "failures": [], "seconds": {}}
    start = time.monotonic()
    try:
        with cdp.Browser(args.chromium, STARTUP_TIMEOUT) as browser:
            summary["seconds"]["startup"] = round(time.monotonic() - start, 3)
            failures = check(args, browser, summary)
            summary["seconds"]["checked"] = round(time.monotonic() - start, 3)
    except cdp.BrowserError as error:
        summary["error"] = str(error)
        print(json.dumps(summary, indent=2))
        print(f"check_page: {args.page}: the check could not run: {error}", file=sys.stderr)
        return 2
    summary["seconds"]["total"] = round(time.monotonic() - start, 3)
    summary["failures"] = failures
    summary["ok"] = not failures
    print(json.dumps(summary, indent=2))
    for failure in failures:
        print(f"check_page: {args.page}: FAIL: {failure}", file=sys.stderr)
    if not failures:
        print(f"check_page: {args.page}: OK, {summary['figures']['drawn']} figures drawn",
              file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
