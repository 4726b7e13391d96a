#!/usr/bin/env python3
"""cdp_check.py - load an mlprov report page in Debian's headless chromium and
report what a reviewer's browser would see, as key=value lines on stdout.

Driven over the DevTools protocol on a pipe (--remote-debugging-pipe: fds 3
and 4, NUL-separated JSON), so it needs nothing but python3 and chromium.

    cdp_check.py PAGE.html ARTIFACT_DIR FILTER_TARGET FILTER_QUERY [CONTROL.html]

It records every console message, uncaught exception, log entry (CSP
violations land there), JavaScript dialog (an alert() from injected markup
would open one) and network request; counts the lineage graph's SVG nodes and
edges; types FILTER_QUERY into the dependency filter box #filter-FILTER_TARGET
and counts the visible rows before, during, with a query matching nothing, and
after clearing it; and saves full-page and lineage screenshots as PNG files in
ARTIFACT_DIR. Console output and the list of requests go to ARTIFACT_DIR too.
CONTROL.html, when given, is loaded afterwards in a fresh tab of the same
browser and reported as control_* keys (console errors, scripts, dialogs):
a page known to be broken, to show the harness notices.
Exit 0 when the page could be driven (the caller judges the values), 1 when
the browser could not be run or timed out.
"""
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
DEADLINE = time.monotonic() + float(os.environ.get("CDP_TIMEOUT", "120"))


class Browser:
    def __init__(self, profile):
        # chromium reads commands on fd 3 and writes replies on fd 4; the pipe
        # ends are moved above 10 first so the shell's redirections cannot
        # clobber each other.
        r, self.to_child = os.pipe()
        self.from_child, w = os.pipe()
        r10, w10 = fcntl.fcntl(r, fcntl.F_DUPFD, 10), fcntl.fcntl(w, fcntl.F_DUPFD, 10)
        os.close(r)
        os.close(w)
        args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
                "--user-data-dir=" + profile, "--remote-debugging-pipe", "--window-size=1400,1000", "about:blank"]
        wrapper = 'exec "$0" "$@" 3<&%d 4>&%d %d<&- %d>&-' % (r10, w10, r10, w10)
        self.proc = subprocess.Popen(["bash", "-c", wrapper] + args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(profile, "chromium.log"), "w"),
                                     pass_fds=(r10, w10))
        os.close(r10)
        os.close(w10)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        return self.wait_reply(self.next_id)

    def read_one(self):
        while b"\0" not in self.buf:
            left = DEADLINE - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            r, _, _ = select.select([self.from_child], [], [], left)
            if not r:
                continue
            chunk = os.read(self.from_child, 1 << 20)
            if not chunk:
                raise EOFError("chromium closed the DevTools pipe")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def wait_reply(self, want):
        while True:
            m = self.read_one()
            if m.get("id") == want:
                if "error" in m:
                    raise RuntimeError("%s" % m["error"])
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method):
        for i, m in enumerate(self.events):
            if m.get("method") == method:
                return self.events.pop(i)
        while True:
            m = self.read_one()
            if m.get("method") == method:
                return m
            self.events.append(m)

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def summarize(events, session):
    """Console lines, request URLs and dialog count from one tab's events."""
    console, requests, dialogs = [], [], 0
    for m in events:
        if m.get("sessionId") != session:
            continue
        meth, p = m.get("method"), m.get("params", {})
        if meth == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            console.append("console.%s: %s" % (p.get("type"), text))
        elif meth == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            console.append("exception: %s" % d.get("exception", {}).get("description", d.get("text")))
        elif meth == "Log.entryAdded":
            console.append("log.%s: %s" % (p["entry"].get("level"), p["entry"].get("text")))
        elif meth == "Network.requestWillBeSent":
            requests.append(p["request"]["url"])
        elif meth == "Page.javascriptDialogOpening":
            dialogs += 1
    return console, requests, dialogs


def is_error(line):
    return line.startswith(("exception", "console.error", "console.warn", "log.error", "log.warning"))


def open_page(b, page):
    tid = b.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    s = b.send("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
    for dom in ("Runtime", "Log", "Page", "Network"):
        b.send(dom + ".enable", session=s)
    b.send("Emulation.setDeviceMetricsOverride",
           {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False}, session=s)
    b.send("Page.navigate", {"url": "file://" + os.path.abspath(page)}, session=s)
    b.wait_event("Page.loadEventFired")
    return s


def load_control(b, page):
    s = open_page(b, page)
    r = b.send("Runtime.evaluate", {"expression": "document.scripts.length", "returnByValue": True}, session=s)
    scripts = r["result"].get("value")
    time.sleep(0.3)  # let blocked loads report
    b.send("Runtime.evaluate", {"expression": "0"}, session=s)
    console, _, dialogs = summarize(b.events, s)
    return {"control_console_errors": len([c for c in console if is_error(c)]),
            "control_scripts": scripts, "control_dialogs": dialogs}


def main():
    page, outdir, target, query = sys.argv[1:5]
    os.makedirs(outdir, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="mlprov-chromium-")
    b = Browser(profile)
    out = {}
    try:
        s = open_page(b, page)

        def js(expr):
            r = b.send("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session=s)
            if "exceptionDetails" in r:
                raise RuntimeError("page script failed: %s" % r["exceptionDetails"])
            return r["result"].get("value")

        visible = ("Array.from(document.querySelectorAll('#deps-%s tr.dep-row'))"
                   ".filter(function (r) { return r.offsetParent !== null; }).length" % target)
        out["ready"] = js("document.documentElement.getAttribute('data-ready') || '0'")
        out["svg_nodes"] = js("document.querySelectorAll('#lineage-graph g.node').length")
        out["svg_node_boxes"] = js("Array.from(document.querySelectorAll('#lineage-graph g.node rect'))"
                                   ".filter(function (r) { var b = r.getBBox(); return b.width > 0 && b.height > 0; }).length")
        out["svg_edges"] = js("document.querySelectorAll('#lineage-graph path.edge').length")
        out["svg_lineage_edges"] = js("document.querySelectorAll('#lineage-graph path.edge.lineage').length")
        out["svg_width"] = js("Math.round(document.getElementById('lineage-graph').getBoundingClientRect().width)")
        out["scripts"] = js("document.scripts.length")
        out["verdict"] = js("(document.getElementById('verdict') || {}).className || ''")
        out["rows_total"] = js("document.querySelectorAll('#deps-%s tr.dep-row').length" % target)
        out["rows_visible_before"] = js(visible)
        js("document.getElementById('filter-%s').focus()" % target)
        b.send("Input.insertText", {"text": query}, session=s)
        out["rows_visible_filtered"] = js(visible)
        out["count_text_filtered"] = js("document.getElementById('count-deps-%s').textContent" % target)
        out["visible_rows_text"] = js("Array.from(document.querySelectorAll('#deps-%s tr.dep-row'))"
                                      ".filter(function (r) { return r.offsetParent !== null; })"
                                      ".map(function (r) { return r.cells[0].textContent; }).join('|')" % target)
        b.send("Input.insertText", {"text": "zz-no-such-dependency"}, session=s)
        out["rows_visible_nomatch"] = js(visible)
        out["nomatch_shown"] = js("document.querySelector('#deps-%s .nomatch').offsetParent !== null ? 1 : 0" % target)
        js("var f = document.getElementById('filter-%s'); f.value = ''; "
           "f.dispatchEvent(new Event('input', {bubbles: true})); 0" % target)
        out["rows_visible_cleared"] = js(visible)

        # screenshots: the whole page, and the lineage graph alone
        m = b.send("Page.getLayoutMetrics", session=s)
        size = m.get("cssContentSize") or m["contentSize"]
        w, h = int(size["width"]), min(int(size["height"]), 16000)
        # a viewport as tall as the page, so sticky parts are drawn once
        b.send("Emulation.setDeviceMetricsOverride",
               {"width": 1400, "height": h, "deviceScaleFactor": 1, "mobile": False}, session=s)
        shot = b.send("Page.captureScreenshot", {"format": "png",
                                                 "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}},
                      session=s)
        with open(os.path.join(outdir, "report.png"), "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        r = js("(function () { var b = document.getElementById('lineage').getBoundingClientRect();"
               " return [b.left + window.scrollX, b.top + window.scrollY, b.width, b.height]; })()")
        shot = b.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                 "clip": {"x": r[0], "y": r[1], "width": r[2], "height": r[3],
                                                          "scale": 1}}, session=s)
        with open(os.path.join(outdir, "lineage.png"), "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        out["page_height"] = h
    except (TimeoutError, EOFError, RuntimeError, KeyError) as exc:
        print("error=%s" % str(exc).replace("\n", " "))
        b.close()
        shutil.rmtree(profile, ignore_errors=True)
        return 1

    console, requests, dialogs = summarize(b.events, s)
    control = None
    if len(sys.argv) > 5:
        try:
            control = load_control(b, sys.argv[5])
        except (TimeoutError, EOFError, RuntimeError, KeyError) as exc:
            print("error=control page: %s" % str(exc).replace("\n", " "))
            b.close()
            shutil.rmtree(profile, ignore_errors=True)
            return 1
    b.close()
    shutil.rmtree(profile, ignore_errors=True)
    with open(os.path.join(outdir, "console.txt"), "w") as f:
        f.write("\n".join(console) + "\n")
    with open(os.path.join(outdir, "requests.txt"), "w") as f:
        f.write("\n".join(requests) + "\n")
    errors = [c for c in console if is_error(c)]
    out["console_messages"] = len(console)
    out["console_errors"] = len(errors)
    out["dialogs"] = dialogs
    out["requests"] = len(requests)
    out["requests_not_this_page"] = len([u for u in requests if u != "file://" + os.path.abspath(page)])
    if control:
        out.update(control)
    for k in sorted(out):
        print("%s=%s" % (k, out[k]))
    for e in errors:
        print("console_error_text=%s" % e.replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
