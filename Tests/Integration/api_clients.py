#!/usr/bin/env python3
"""Paperboy's open APIs, driven by the real client libraries they claim to be compatible with.

Starts `paperboy serve` on a free loopback port with a fresh data folder (the demo corpus), creates a user and
an access token with the CLI, writes through the write API, then checks:
  * huggingface_hub (HF_ENDPOINT): list_daily_papers (date/week/month/sort/p/limit/submitter), list_papers,
    paper_info, read_paper, and the `hf papers` CLI;
  * the arxiv client (query_url_format): boolean search paged over several pages, id_list, sorting;
  * feedparser on every feed (RSS, Atom; JSON Feed with json), none bozo;
  * /openapi.json valid (openapi-spec-validator) and a short schemathesis run against the live server;
  * malformed parameters get 400 with a JSON or Atom message, never 500; CORS on reads.
Ground truth is the demo corpus file itself, not Paperboy's own answers.

Usage: api_clients.py PAPERBOY_BINARY WORK_DIR      (prints "N passed, N failed"; exit 1 on any failure)
"""
import contextlib
import datetime as dt
import gzip
import json
import os
import pathlib
import socket
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request

BINARY = pathlib.Path(sys.argv[1]).resolve()
WORK = pathlib.Path(sys.argv[2]).resolve()
REPO = pathlib.Path(__file__).resolve().parents[2]
DATA = REPO / "Sources/DemoCorpus/Data"

passed, failed = 0, []


def check(name):
    def wrap(fn):
        global passed
        try:
            fn()
            passed += 1
            print(f"ok   {name}")
        except Exception:
            failed.append(name)
            print(f"FAIL {name}\n{traceback.format_exc()}")
        return fn
    return wrap


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_corpus():
    """The demo corpus' arXiv records: id -> record (title, authors, categories)."""
    papers = {}
    with gzip.open(DATA / "arxiv-cs-2026-05.jsonl.gz", "rt") as f:
        for line in f:
            r = json.loads(line)
            papers[r["id"]] = r
    return papers


def norm(text):
    return " ".join(text.split())


def authors_of(record):
    if isinstance(record.get("authors_parsed"), list):
        return [norm(" ".join(p for p in (a[1], a[0], a[2] if len(a) > 2 else "") if p)) for a in record["authors_parsed"]]
    return None


def http(path, method="GET", body=None, headers=None):
    req = urllib.request.Request(BASE + path, method=method, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


# ---------------------------------------------------------------------------------------------------------------
WORK.mkdir(parents=True, exist_ok=True)
data_dir = WORK / "data"
subprocess.run(["rm", "-rf", str(data_dir)], check=True)
port = free_port()
BASE = f"http://127.0.0.1:{port}"
log = open(WORK / "server.log", "w")
# No model in the work folder: lexical search, and no background embedding competing for the CPU.
server = subprocess.Popen(
    [str(BINARY), "serve", "--data-dir", str(data_dir), "--port", str(port), "--api-reads-per-minute", "100000",
     "--api-writes-per-minute", "100000"],
    cwd=WORK, stdout=log, stderr=subprocess.STDOUT, env={k: v for k, v in os.environ.items() if k != "PAPERBOY_MODEL_DIR"})
try:
    for _ in range(600):
        with contextlib.suppress(Exception):
            if http("/healthz")[0] == 200:
                break
        if server.poll() is not None:
            sys.exit(f"server exited: see {WORK / 'server.log'}")
        time.sleep(0.2)
    else:
        sys.exit("server did not start")

    corpus = load_corpus()
    cli = lambda *args, stdin=None: subprocess.run(
        [str(BINARY), *args, "--data-dir", str(data_dir)], input=stdin, capture_output=True, text=True, check=True).stdout
    cli("user", "create", "alice", stdin="correct horse battery\n")
    cli("user", "create", "bob", stdin="correct horse battery\n")
    token = cli("user", "token", "alice", "--name", "integration").strip()
    bob_token = cli("user", "token", "bob", "--name", "integration").strip()
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    # The founding listing is the 2026-05-30 feed; pick its papers from the API's own listing page by id.
    status, _, body = http("/api/daily_papers?date=2026-05-30&limit=100")
    assert status == 200, status
    may30 = json.loads(body)
    arxiv_may30 = [i for i in may30 if i["paper"]["id"] in corpus]
    target = arxiv_may30[0]["paper"]["id"] if arxiv_may30 else may30[0]["paper"]["id"]
    # A paper from the corpus that is on no feed yet, to submit.
    on_feed = set()
    for day in ["2026-05-%02d" % d for d in range(1, 32)]:
        on_feed |= {i["paper"]["id"] for i in json.loads(http(f"/api/daily_papers?date={day}&limit=100")[2])}
    fresh = sorted(set(corpus) - on_feed)[0]

    @check("write API: upvote, submit, comment, collections with a personal access token")
    def _():
        s, _, b = http(f"/api/papers/{target}/upvote", "POST", headers=auth)
        assert s == 200 and json.loads(b) == {"paperId": target, "upvoted": True, "upvotes": 1}, (s, b)
        s, _, b = http(f"/api/papers/{target}/upvote", "POST", headers={"Authorization": f"Bearer {bob_token}"})
        assert s == 200 and json.loads(b)["upvotes"] == 2, b
        s, _, b = http("/api/papers", "POST", json.dumps({"id": fresh, "githubRepo": "https://github.com/alice/fresh"}).encode(), auth)
        assert s == 201 and json.loads(b)["paperId"] == fresh, (s, b)
        s, _, b = http("/api/papers", "POST", json.dumps({"id": fresh}).encode(), auth)
        # Paperboy's own API answers the error catalog's shape: {"error": {"code", "type", "message", "link"}}.
        error = json.loads(b)["error"]
        assert s == 409 and error["code"] == "already_submitted" and "Already" in error["message"], (s, b)
        assert error["link"].endswith("/errors#already_submitted") and error["type"] == "invalid_request", (s, b)
        s, _, b = http(f"/api/papers/{target}/comments", "POST", json.dumps({"body": "Nice *results*"}).encode(), auth)
        assert s == 201 and json.loads(b)["author"] == "alice", (s, b)
        s, _, b = http("/api/collections", "POST", json.dumps({"name": "Reading list", "public": True}).encode(), auth)
        assert s == 201, (s, b)
        global collection_id
        collection_id = json.loads(b)["id"]
        s, _, b = http(f"/api/collections/{collection_id}/papers/{target}", "PUT", headers=auth)
        assert s == 200 and json.loads(b)["paperCount"] == 1, (s, b)
        s, _, b = http(f"/api/collections/{collection_id}/papers/{target}", "PUT", headers={"Authorization": f"Bearer {bob_token}"})
        assert s == 403 and "error" in json.loads(b), (s, b)
        s, h, b = http(f"/api/papers/{target}/upvote", "POST")
        assert s == 401 and json.loads(b)["error"]["code"] == "unauthorized" and "Bearer" in h.get("WWW-Authenticate", ""), (s, b)
        s, _, b = http(f"/api/papers/{target}/upvote", "POST", headers={"Authorization": "Bearer pb_" + "0" * 40})
        assert s == 401 and json.loads(b)["error"]["code"] == "invalid_token", (s, b)

    # ---- huggingface_hub ------------------------------------------------------------------------------------
    os.environ["HF_ENDPOINT"] = BASE
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ["HF_TOKEN"] = "hf_not_a_real_token_ignored_by_paperboy"
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError
    api = HfApi()

    @check("huggingface_hub: list_daily_papers(date=) returns the founding listing with ids, titles, upvotes")
    def _():
        papers = list(api.list_daily_papers(date="2026-05-30", limit=100))
        assert len(papers) == len(may30) >= 10, len(papers)
        listing = (REPO / "Sources/DemoCorpus/Data/hf-papers-listing.txt").read_text()
        for p in papers:
            assert p.title and norm(p.title)[:40] in norm(listing) or p.id in corpus, p.title
            assert p.submitted_at is not None and p.submitted_at.tzinfo is not None
            assert p.submitted_at.date() == dt.date(2026, 5, 30), p.submitted_at
        top = papers[0]
        assert top.id == target and top.upvotes == 2 and top.comments == 1, (top.id, top.upvotes, top.comments)
        vid = [p for p in papers if "VidLanKD" in (p.title or "")]
        assert vid and vid[0].github_repo == "https://github.com/zinengtang/VidLanKD", [(p.title, p.github_repo) for p in vid]

    @check("huggingface_hub: paper_info has authors, dates, submitter, links from the corpus")
    def _():
        info = api.paper_info(fresh)
        record = corpus[fresh]
        assert info.id == fresh and norm(info.title) == norm(record["title"]), (info.title, record["title"])
        names = [a.name for a in info.authors]
        expected = authors_of(record)
        if expected:
            assert names == expected, (names, expected)
        assert len(names) > 0
        assert info.published_at is not None and info.published_at.year == 2026
        assert info.submitted_by is not None and info.submitted_by.username == "alice", info.submitted_by
        assert info.github_repo == "https://github.com/alice/fresh"
        assert info.upvotes == 0 and info.comments == 0
        try:
            api.paper_info("9999.99999")
            raise AssertionError("no error for an unknown paper")
        except HfHubHTTPError as e:
            assert e.response.status_code == 404 and "X-Error-Code" not in e.response.headers

    @check("huggingface_hub: week, month, submitter, sort and paging")
    def _():
        week = list(api.list_daily_papers(week="2026-W22", limit=100))
        month = list(api.list_daily_papers(month="2026-05", limit=100))
        assert len(week) >= len(may30) and len(month) >= len(week), (len(week), len(month))
        assert all(dt.date(2026, 5, 25) <= p.submitted_at.date() <= dt.date(2026, 5, 31) for p in week)
        assert all(p.submitted_at.month == 5 for p in month)
        newest = list(api.list_daily_papers(month="2026-05", sort="publishedAt", limit=20))
        times = [p.submitted_at for p in newest]
        assert times == sorted(times, reverse=True), times
        trending = list(api.list_daily_papers(date="2026-05-30", sort="trending", limit=5))
        assert trending[0].id == target, trending[0].id
        page0 = [p.id for p in api.list_daily_papers(month="2026-05", limit=7, p=0)]
        page1 = [p.id for p in api.list_daily_papers(month="2026-05", limit=7, p=1)]
        assert len(page0) == 7 and len(page1) == 7 and not set(page0) & set(page1)
        assert list(api.list_daily_papers(date="2026-05-30", p=1000, limit=50)) == []
        mine = list(api.list_daily_papers(submitter="alice"))
        assert [p.id for p in mine] == [fresh], [p.id for p in mine]
        try:
            list(api.list_daily_papers(date="2026-02-30"))
            raise AssertionError("no error for 2026-02-30")
        except HfHubHTTPError as e:
            assert e.response.status_code == 400 and "date" in e.response.json()["error"]

    @check("huggingface_hub: list_papers searches titles and abstracts; read_paper returns Markdown")
    def _():
        record = corpus[fresh]
        title_words = " ".join(record["title"].split()[:6])
        found = list(api.list_papers(query=title_words, limit=10))
        assert fresh in [p.id for p in found], ([p.id for p in found], title_words)
        assert all(p.title for p in found)
        md = api.read_paper(fresh)
        assert md.startswith("# ") and norm(record["title"]) in norm(md) and "https://arxiv.org/abs/" + fresh in md

    @check("hf papers CLI: info and ls against Paperboy")
    def _():
        hf = pathlib.Path(sys.executable).parent / "hf"
        if not hf.exists():
            print("     (hf CLI not installed with huggingface_hub; skipped)")
            return
        env = {**os.environ, "HF_ENDPOINT": BASE}
        out = subprocess.run([str(hf), "papers", "info", fresh], capture_output=True, text=True, env=env, timeout=120)
        assert out.returncode == 0 and norm(corpus[fresh]["title"])[:30] in norm(out.stdout), (out.returncode, out.stdout[-500:], out.stderr[-500:])
        out = subprocess.run([str(hf), "papers", "ls", "--date", "2026-05-30"], capture_output=True, text=True, env=env, timeout=120)
        assert out.returncode == 0 and target in out.stdout, (out.returncode, out.stdout[-500:], out.stderr[-500:])

    # ---- arxiv ---------------------------------------------------------------------------------------------
    import arxiv
    client = arxiv.Client(page_size=10, delay_seconds=0, num_retries=0)
    client.query_url_format = BASE + "/api/query?{}"

    def truth(pred):
        return {i for i, r in corpus.items() if pred(r)}

    @check("arxiv client: boolean search paged past one page matches the corpus")
    def _():
        # Title word AND category, ANDNOT another title word: compare with the corpus by simple word matching.
        search = arxiv.Search(query="ti:reasoning AND cat:cs.CL ANDNOT ti:benchmark", max_results=1000)
        results = list(client.results(search))
        ids = [r.get_short_id().split("v")[0] for r in results]
        assert len(ids) == len(set(ids)) and len(ids) > 10, len(ids)  # several pages of 10
        for r in results:
            rid = r.get_short_id().rsplit("v", 1)[0]
            rec = corpus[rid]
            assert norm(r.title) == norm(rec["title"])
            # Stemmed matching: "reasoning" also finds "reason", "reasons", "reasoned".
            assert "cs.CL" in rec["categories"].split() and "reason" in rec["title"].lower()
            assert "benchmark" not in rec["title"].lower(), rec["title"]
            assert r.entry_id == f"http://arxiv.org/abs/{r.get_short_id()}" and " " not in r.entry_id
            assert r.pdf_url and r.published.year == 2026 and r.authors
        expected = truth(lambda r: "reasoning" in r["title"].lower() and "cs.CL" in r["categories"].split()
                         and "benchmark" not in r["title"].lower())
        got = {r.get_short_id().rsplit("v", 1)[0] for r in results}
        # Stemming finds 'reason'/'reasoned' forms as well; every plain-substring match must be found.
        missing = {i for i in expected if i not in got and "reasoning" in corpus[i]["title"].lower().split()}
        assert not missing, sorted(missing)[:5]

    @check("arxiv client: id_list returns those papers in order with authors and categories")
    def _():
        ids = sorted(corpus)[:3]
        results = list(client.results(arxiv.Search(id_list=ids)))
        assert [r.get_short_id().rsplit("v", 1)[0] for r in results] == ids
        for r, i in zip(results, ids):
            assert norm(r.title) == norm(corpus[i]["title"])
            assert r.primary_category == corpus[i]["categories"].split()[0]
            expected = authors_of(corpus[i])
            if expected:
                assert [a.name for a in r.authors] == expected, ([a.name for a in r.authors], expected)

    @check("arxiv client: sort by submittedDate, phrases and parentheses")
    def _():
        search = arxiv.Search(query='abs:"large language models" AND (cat:cs.AI OR cat:cs.LG)', max_results=30,
                              sort_by=arxiv.SortCriterion.SubmittedDate, sort_order=arxiv.SortOrder.Ascending)
        results = list(client.results(search))
        assert len(results) == 30
        dates = [r.published for r in results]
        assert dates == sorted(dates)
        for r in results:
            rec = corpus[r.get_short_id().rsplit("v", 1)[0]]
            assert set(rec["categories"].split()) & {"cs.AI", "cs.LG"}

    @check("arXiv API: opensearch totals exact; malformed queries answered 400 with an Error entry")
    def _():
        s, h, b = http("/api/query?search_query=cat:cs.CL&start=5&max_results=3")
        text = b.decode()
        total = len(truth(lambda r: "cs.CL" in r["categories"].split()))
        assert s == 200 and f"<opensearch:totalResults>{total}</opensearch:totalResults>" in text, (total, text[:800])
        assert "<opensearch:startIndex>5</opensearch:startIndex>" in text and text.count("<entry>") == 3
        for bad in ["search_query=ti:(unbalanced", "search_query=xx:foo", "max_results=-1", "start=abc",
                    "id_list=not-an-id", "search_query=" + "a" * 10240, "sortBy=popularity", "search_query=%22open"]:
            s, h, b = http("/api/query?" + bad)
            assert s == 400 and "<title>Error</title>" in b.decode(), (bad, s, b[:300])
        s, _, b = http("/api/query?search_query=&id_list=")
        assert s == 200 and "<opensearch:totalResults>0</opensearch:totalResults>" in b.decode()

    # ---- feeds ---------------------------------------------------------------------------------------------
    import feedparser

    @check("feeds: RSS, Atom and JSON Feed for daily, trending, a search and a public collection parse cleanly")
    def _():
        words = " ".join(corpus[fresh]["title"].split()[:4])
        q = urllib.parse.quote(words)
        for name in ["daily", "trending", f"search?q={q}", f"collections/{collection_id}"]:
            for fmt in ["rss", "atom", "json"]:
                base, _, query = name.partition("?")
                path = f"/feeds/{base}.{fmt}" + (f"?{query}" if query else "")
                s, h, b = http(path)
                assert s == 200, (path, s, b[:300])
                if fmt == "json":
                    feed = json.loads(b)
                    assert feed["version"] == "https://jsonfeed.org/version/1.1" and feed["items"], path
                    titles = [i["title"] for i in feed["items"]]
                else:
                    parsed = feedparser.parse(b)
                    assert not parsed.bozo, (path, parsed.get("bozo_exception"))
                    assert parsed.entries, path
                    titles = [e.title for e in parsed.entries]
                    assert all(e.link.startswith(BASE + "/papers/") for e in parsed.entries)
                if name == "daily":
                    assert norm(corpus[fresh]["title"]) in map(norm, titles), path  # submitted today: newest
                if name.startswith("search"):
                    assert norm(corpus[fresh]["title"]) in map(norm, titles), path
                if name.startswith("collections"):
                    assert len(titles) == 1, titles
        html = http("/")[2].decode()
        assert 'rel="alternate" type="application/rss+xml"' in html and "/feeds/daily.rss" in html
        html = http(f"/papers?q={q}")[2].decode()
        assert "/feeds/search.atom?q=" in html
        assert http("/feeds/nothing.rss")[0] == 404 and http("/feeds/daily.xml")[0] == 404
        assert http("/feeds/search.rss")[0] == 400

    # ---- OpenAPI -------------------------------------------------------------------------------------------
    @check("OpenAPI: /openapi.json is a valid OpenAPI 3.1 document covering every JSON endpoint")
    def _():
        from openapi_spec_validator import validate
        s, _, b = http("/openapi.json")
        doc = json.loads(b)
        validate(doc)
        assert doc["openapi"].startswith("3.1")
        for path in ["/api/papers/search", "/api/daily_papers", "/api/papers/{id}", "/api/query", "/api/papers",
                     "/api/papers/{id}/upvote", "/api/papers/{id}/comments", "/api/collections",
                     "/api/collections/{collection}/papers/{id}", "/api/whoami", "/healthz"]:
            assert path in doc["paths"], path

    @check("OpenAPI: schemathesis finds no server errors or schema violations against the live server")
    def _():
        st = pathlib.Path(sys.executable).parent / "st"
        out = subprocess.run(
            [str(st), "run", f"{BASE}/openapi.json", "--url", BASE, "--max-examples", "25", "--seed", "1",
             "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
             "-H", f"Authorization: Bearer {token}", "--no-color", "--exclude-method", "DELETE"],
            capture_output=True, text=True, timeout=900, env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
            cwd=WORK)  # schemathesis keeps a cache in its working directory; keep it out of the checkout
        (WORK / "schemathesis.log").write_text(out.stdout + out.stderr)
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]

    # ---- malformed input, CORS -----------------------------------------------------------------------------
    @check("malformed parameters: 400 with a message, never 500")
    def _():
        cases = ["/api/daily_papers?date=2026-5-1", "/api/daily_papers?date=tomorrow", "/api/daily_papers?week=2026-W54",
                 "/api/daily_papers?month=2026-13", "/api/daily_papers?limit=-1", "/api/daily_papers?limit=0",
                 "/api/daily_papers?p=-3", "/api/daily_papers?sort=best", "/api/daily_papers?date=2026-05-30&week=2026-W22",
                 "/api/daily_papers?submitter=a%0Ab", "/api/papers/search?q=" + "x" * 10240, "/api/papers/search?limit=-5",
                 "/api/papers/search?q=%00%01"]
        for path in cases:
            s, h, b = http(path)
            assert s == 400 and json.loads(b)["error"], (path, s, b[:200])
        for path in ["/api/papers/not-an-id", "/api/papers/..%2F..%2Fetc", "/api/papers/9999.99999"]:
            s, h, b = http(path)
            assert s == 404 and json.loads(b)["error"], (path, s, b[:200])
        s, _, b = http("/api/papers/search?q=%22unbalanced")
        assert s == 200, (s, b[:200])
        s, _, b = http("/api/papers", "POST", b"{not json", auth)
        assert s == 400, (s, b)

    @check("CORS: reads allow any origin, preflight answers, writes are not offered cross-origin")
    def _():
        s, h, _ = http("/api/daily_papers?date=2026-05-30", headers={"Origin": "https://example.org"})
        assert s == 200 and h.get("Access-Control-Allow-Origin") == "*"
        s, h, _ = http("/feeds/daily.rss", headers={"Origin": "https://example.org"})
        assert h.get("Access-Control-Allow-Origin") == "*"
        s, h, _ = http("/api/daily_papers", "OPTIONS", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"})
        assert s == 204 and "GET" in h.get("Access-Control-Allow-Methods", "") and "POST" not in h.get("Access-Control-Allow-Methods", "")
        s, h, _ = http(f"/api/papers/{target}/upvote", "POST", headers={**auth, "Origin": "https://example.org"})
        assert "Access-Control-Allow-Origin" not in h
        assert "Set-Cookie" not in h
finally:
    server.terminate()
    with contextlib.suppress(Exception):
        server.wait(timeout=10)
    log.close()

print(f"{passed} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
