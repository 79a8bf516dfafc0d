"""A headless chromium driven over the Chrome DevTools Protocol, standard library only.

The protocol runs over two pipes (--remote-debugging-pipe): the browser reads commands from its
file descriptor 3 and writes answers and events to its descriptor 4, each message one JSON text
ended by a NUL byte. No port is opened, so parallel tests never collide and nothing else on the
machine can talk to the browser.

    with Browser("/usr/bin/chromium", startup_timeout=60) as browser:
        target = browser.call("Target.createTarget", {"url": "about:blank"})
        ...

Leaving the `with` block always ends the browser and every process it started (it runs in a
process group of its own), also after an exception or a timeout.
"""
import fcntl
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time

# Flags for a browser that starts clean, draws without a GPU and never reaches the network on
# its own: no sandbox (tests run as root, where chromium refuses to start sandboxed), a fresh
# profile, no first-run page, extensions, background updates, sync or sound. Every host name
# resolves to "not found", so even a page that gets past its Content-Security-Policy cannot
# reach a server; the request is still seen (Network.requestWillBeSent comes before the lookup).
CHROMIUM_FLAGS = [
    "--headless",
    "--remote-debugging-pipe",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]


class BrowserError(Exception):
    """The browser could not be started or stopped answering: the harness failed, not the page."""


class Timeout(BrowserError):
    pass


class Browser:
    def __init__(self, executable, startup_timeout=60.0):
        self.executable = executable
        self.startup_timeout = startup_timeout
        self._handlers = []
        self._next_id = 0
        self._queue = queue.Queue()
        self._proc = None
        self._profile = None

    # -- lifetime ------------------------------------------------------------------------------
    def __enter__(self):
        self._profile = tempfile.mkdtemp(prefix="fathom-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def onto_3_and_4():
            # In the child, before exec: the pipe ends onto descriptors 3 and 4. They go through
            # free descriptors above 4 first, so that neither overwrites the other and dup2 never
            # gets the same number twice (which would leave close-on-exec set).
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 5) for fd in (to_browser_r, from_browser_w)]
            for target, fd in zip((3, 4), high):
                os.dup2(fd, target)  # inheritable
                os.close(fd)

        self._log = open(os.path.join(self._profile, "chromium.log"), "w+b")
        try:
            try:
                # No other thread runs yet, so preexec_fn is safe. close_fds=False lets
                # descriptors 3 and 4 through; every other descriptor Python opened is
                # close-on-exec (PEP 446).
                self._proc = subprocess.Popen(
                    [self.executable, *CHROMIUM_FLAGS, f"--user-data-dir={self._profile}/profile",
                     "about:blank"],
                    stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                    close_fds=False, preexec_fn=onto_3_and_4, start_new_session=True)
            except OSError as error:
                raise BrowserError(f"cannot run {self.executable}: {error}") from None
            finally:
                os.close(to_browser_r)
                os.close(from_browser_w)
            threading.Thread(target=self._read, daemon=True).start()
            # The first answer tells that the browser is up; a busy machine can take 20 s.
            self.call("Browser.getVersion", timeout=self.startup_timeout, what="chromium did not start")
        except BaseException:
            self.close()  # __exit__ does not run when __enter__ raises
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        """Ends the browser and its processes and removes its profile; safe to call twice."""
        if self._proc is not None:
            if self._proc.poll() is None:
                try:
                    self.send("Browser.close")
                    self._proc.wait(timeout=5)
                except (BrowserError, subprocess.TimeoutExpired):
                    pass
            # Whatever is left of the group (renderers, a hung browser), also after a crash of
            # the main process; the group keeps its id while any member lives.
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._proc.wait()
            self._proc = None
        for fd in (getattr(self, "_to_browser", None), getattr(self, "_from_browser", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._to_browser = self._from_browser = None
        if self._profile:
            self._log.close()
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None

    def log_tail(self, limit=2000):
        """The end of chromium's own output, to explain a browser that did not start."""
        try:
            self._log.flush()
            self._log.seek(0)
            return self._log.read().decode("utf-8", "replace")[-limit:]
        except (OSError, ValueError):
            return ""

    # -- messages ------------------------------------------------------------------------------
    def _read(self):
        buffer = b""
        try:
            while True:
                chunk = os.read(self._from_browser, 1 << 16)
                if not chunk:
                    break
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for message in messages:
                    self._queue.put(json.loads(message))
        except (OSError, TypeError, ValueError):
            pass
        self._queue.put(None)  # the browser closed its end: it exited

    def on_event(self, handler):
        """handler(method, params, session_id) sees every event, while any call waits."""
        self._handlers.append(handler)

    def send(self, method, params=None, session=None):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self._to_browser, data):]
        except OSError as error:
            raise BrowserError(f"chromium is gone ({error}); its output:\n{self.log_tail()}") from None
        return self._next_id

    def call(self, method, params=None, session=None, timeout=30.0, what=None):
        """Sends a command and returns its result, handling the events that come meanwhile.
        `what` says what went wrong when no answer comes within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        wanted = self.send(method, params, session)
        what = f"{what or 'no answer to ' + method} within {timeout:g} s"
        while True:
            message = self._next(deadline, what)
            if message.get("id") == wanted:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})

    def pump(self, seconds):
        """Handles the events that arrive within the next `seconds`."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self._next(deadline, "while handling events")
        except Timeout:
            pass

    def _next(self, deadline, what):
        left = deadline - time.monotonic()
        try:
            message = self._queue.get(timeout=max(left, 0)) if left > 0 else self._queue.get_nowait()
        except queue.Empty:
            raise Timeout(what) from None
        if message is None:
            self._queue.put(None)  # later calls see the end too
            raise BrowserError(f"chromium exited ({what}); its output:\n{self.log_tail()}")
        if "method" in message:
            for handler in self._handlers:
                handler(message["method"], message.get("params", {}), message.get("sessionId"))
        return message
