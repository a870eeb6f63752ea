#!/usr/bin/env python3
"""Harvest throughput, memory across pages, and time to searchable, against a fake OAI-PMH server on loopback.

    benchmarks/intake/harvest_bench.py PATH/TO/paperboy [--pages 50] [--shared ../shared]

Builds nothing: pass the release binary. The fake server replays the two recorded ListRecords pages of
../shared/data/arxiv/fixtures/oai (1,000 real records each), rewriting each page's ids (0704.NNNN -> YYMM.NNNN,
one month per page pair) so that every page holds 1,000 distinct new papers, and chaining resumption tokens
for --pages pages. It reports:
  * `paperboy harvest --delay 0` wall time, records/s (parsed and applied) and the process's peak RSS, for a
    1-page and a --pages-page list (memory is flat when the two peaks are close);
  * time to searchable: `paperboy serve --harvest-set cs` harvests at start-up; from the moment the fake server
    sent the last page to the moment the search API finds a paper of that page.
"""
import argparse, json, os, re, resource, socket, subprocess, sys, tempfile, threading, time, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("binary")
parser.add_argument("--pages", type=int, default=50)
parser.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
args = parser.parse_args()
fixtures = os.path.join(args.shared, "data", "arxiv", "fixtures", "oai")
base = [open(os.path.join(fixtures, f"{i}.xml"), encoding="utf-8").read() for i in (0, 1)]
token_re = re.compile(r"<resumptionToken([^>]*)>[^<]*</resumptionToken>")


def month(i):
    y, m = divmod(7 * 12 + 3 + i // 2, 12)  # 0704, 0705, ...: one month per pair of pages
    return f"{y:02d}{m + 1:02d}"


def page(i, total):
    text = base[i % 2].replace(">0704.", f">{month(i)}.").replace(":0704.", f":{month(i)}.")
    token = f"bench|{i + 1}" if i + 1 < total else ""
    return token_re.sub(lambda m: f'<resumptionToken completeListSize="{total * 1000}" cursor="{i * 1000}">{token}</resumptionToken>', text).encode()


class Fake(BaseHTTPRequestHandler):
    pages, total, last_sent = [], 0, None

    def do_GET(self):
        query = dict(p.split("=", 1) for p in self.path.split("?", 1)[1].split("&")) if "?" in self.path else {}
        token = urllib.request.unquote(query.get("resumptionToken", ""))
        index = int(token.split("|")[1]) if token.startswith("bench|") else 0
        body = Fake.pages[index]
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if index == Fake.total - 1:
            Fake.last_sent = time.monotonic()

    def log_message(self, *a):
        pass


def serve_fake(total):
    Fake.pages = [page(i, total) for i in range(total)]
    Fake.total = total
    Fake.last_sent = None
    server = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def harvest(total):
    server = serve_fake(total)
    data = tempfile.mkdtemp(prefix="paperboy-harvest-bench-")
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = subprocess.run([args.binary, "harvest", "--data-dir", data, "--oai-url", f"http://127.0.0.1:{server.server_port}/oai",
                          "--delay", "0", "--from", "2007-01-01"], capture_output=True, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server.shutdown()
    if run.returncode != 0:
        sys.exit(f"harvest failed: {run.stderr}")
    records = total * 1000
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"harvest {total:3d} pages: {records} records in {wall:.2f} s wall = {records / wall:,.0f} records/s "
          f"({records / cpu:,.0f} per CPU-second); peak RSS {after.ru_maxrss / 1024:.0f} MB  [{run.stdout.strip()}]")
    return after.ru_maxrss


def time_to_searchable(total):
    server = serve_fake(total)
    data = tempfile.mkdtemp(prefix="paperboy-searchable-bench-")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([args.binary, "serve", "--data-dir", data, "--port", str(port), "--no-demo", "--model", "/nonexistent",
                             "--api-reads-per-minute", "100000000", "--harvest-set", "cs",
                             "--oai-url", f"http://127.0.0.1:{server.server_port}/oai", "--arxiv-delay", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # A paper of the last page: its title, made searchable by words from it.
    last = Fake.pages[total - 1].decode()
    title = re.search(r"<title>([^<]+)</title>", last).group(1)
    wanted = re.search(r"<id>([^<]+)</id>", last).group(1)
    query = urllib.request.quote(" ".join(title.split()[:8]))
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if Fake.last_sent is not None:
                try:
                    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/papers/search?q={query}", timeout=5).read().decode()
                    if wanted in body:
                        print(f"time to searchable: {time.monotonic() - Fake.last_sent:.2f} s from the last page sent "
                              f"({total} pages) to {wanted} found by the search API")
                        return
                except OSError:
                    pass
            time.sleep(0.02)
        print("time to searchable: not found within 300 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        server.shutdown()


one = harvest(1)
many = harvest(args.pages)
print(f"peak RSS: {one / 1024:.0f} MB after 1 page, {many / 1024:.0f} MB after {args.pages} pages")
time_to_searchable(5)
