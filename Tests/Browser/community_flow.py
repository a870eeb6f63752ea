#!/usr/bin/env python3
"""Browser test: two people use Paperboy in headless Chromium (Debian's chromium + chromium-driver, Selenium).

Starts `paperboy serve` on a free loopback port with the demo corpus, then: Alice signs up and submits a paper to
today's feed; Bob signs up, upvotes it (JavaScript path, no reload) and comments; the trending page and the weekly
tab show the paper; Carol upvotes three papers on speech, sees related papers first on "For you" with their
explanations, and "Not interested" takes a card away. Saves a screenshot of the daily page, and phone-width (390x844) screenshots of the
signed-out home page and a signed-in page after checking that the header's links fit the screen, one line each. Prints 'N passed, N failed'.

Usage: community_flow.py PAPERBOY_BINARY OUTPUT_DIR
"""
import datetime, gzip, http.server, json, os, socket, subprocess, sys, tempfile, threading, time, traceback, urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

binary, out_dir = sys.argv[1], sys.argv[2]
os.makedirs(out_dir, exist_ok=True)
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
data = os.path.join(root, "Sources", "DemoCorpus", "Data")

# A demo paper that is on no daily feed yet.
picked = {line.split("\t")[1] for line in open(os.path.join(data, "daily-picks.tsv")) if not line.startswith("day")}
paper = None
with gzip.open(os.path.join(data, "arxiv-cs-2026-05.jsonl.gz"), "rt") as f:
    for line in f:
        record = json.loads(line)
        if record["id"] not in picked:
            paper = record
            break
title = " ".join(paper["title"].split())

# "For you": three demo papers on speech (on no daily feed) for a reader to upvote; the recommender should rank
# other speech papers first.
with gzip.open(os.path.join(data, "arxiv-cs-2026-05.jsonl.gz"), "rt") as f:
    speech = [record for record in map(json.loads, f)
              if "speech" in record["title"].lower() and record["id"] not in picked and record["id"] != paper["id"]]
seeds = speech[:3]
seed_titles = [" ".join(record["title"].split()) for record in seeds]

# A fake arXiv query API on loopback that knows one paper the store does not (made up here, so the test needs
# nothing from ../shared): the member imports it from its page and submits it.
FAKE_ID = "2611.04242"
FAKE_TITLE = "Bounded Batches Keep Writers Moving"
FAKE_ATOM = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">
<title>arXiv Query</title><id>http://arxiv.org/api/x</id><updated>2026-11-30T00:00:00-05:00</updated>
<opensearch:totalResults>1</opensearch:totalResults><opensearch:startIndex>0</opensearch:startIndex><opensearch:itemsPerPage>1</opensearch:itemsPerPage>
<entry><id>http://arxiv.org/abs/{FAKE_ID}v1</id><updated>2026-11-28T10:00:00Z</updated><published>2026-11-28T10:00:00Z</published>
<title>{FAKE_TITLE}</title><summary>We apply imports in short transactions so that web writes never wait long.</summary>
<author><name>Ada Lovelace</name></author><author><name>Grace Hopper</name></author>
<link href="http://arxiv.org/abs/{FAKE_ID}v1" rel="alternate" type="text/html"/>
<link title="pdf" href="http://arxiv.org/pdf/{FAKE_ID}v1" rel="related" type="application/pdf"/>
<arxiv:primary_category term="cs.DB" scheme="http://arxiv.org/schemas/atom"/><category term="cs.DB" scheme="http://arxiv.org/schemas/atom"/>
</entry></feed>"""
EMPTY_ATOM = FAKE_ATOM.split("<entry>")[0].replace("<opensearch:totalResults>1", "<opensearch:totalResults>0") + "</feed>"


class FakeArxiv(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (FAKE_ATOM if FAKE_ID in self.path else EMPTY_ATOM).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


fake_arxiv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeArxiv)
threading.Thread(target=fake_arxiv.serve_forever, daemon=True).start()

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
base = f"http://127.0.0.1:{port}"
data_dir = tempfile.mkdtemp(prefix="paperboy-browser-")
server = subprocess.Popen(
    [binary, "serve", "--port", str(port), "--data-dir", data_dir, "--model", "/nonexistent-model", "--arxiv-imports",
     "--api-url", f"http://127.0.0.1:{fake_arxiv.server_port}/api/query", "--arxiv-delay", "0"],
    stdout=subprocess.DEVNULL, stderr=open(os.path.join(out_dir, "server.log"), "w"))

passed, failed = 0, 0


def check(name, condition):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok - {name}")
    else:
        failed += 1
        print(f"FAILED - {name}")


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1600", "--disable-dev-shm-usage"]:
        options.add_argument(arg)
    # The console log shows Content-Security-Policy violations; the test reads it at the end.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


# Every link and button of the header: where it is, and on how many lines its text runs.
HEADER_BOXES = """
const width = document.documentElement.clientWidth;
const boxes = [...document.querySelectorAll('.site-header a, .site-header button')]
  .filter(e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden')
  .map(e => {
    // Lines of text: the distinct tops of the boxes of its text (the brand's icon is not text).
    const r = e.getBoundingClientRect(), range = document.createRange(), tops = new Set();
    const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      if (!walker.currentNode.textContent.trim()) continue;
      range.selectNodeContents(walker.currentNode);
      for (const box of range.getClientRects()) if (box.width > 0) tops.add(Math.round(box.top));
    }
    return {text: e.textContent.trim(), left: r.left, right: r.right, lines: tops.size};
  });
return {width: width, scrollWidth: document.documentElement.scrollWidth, boxes: boxes};
"""


def phone_screenshot(driver, path, png, expected):
    """Opens `path` on a 390x844 phone screen, checks that every header link is on screen and on one line, and
    saves a screenshot as `png`."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    driver.get(base + path)
    header = driver.execute_script(HEADER_BOXES)
    texts = [box["text"] for box in header["boxes"]]
    check(f"{png}: the viewport is 390 px wide", header["width"] == 390)
    check(f"{png}: the header has {', '.join(expected)}", all(text in texts for text in expected))
    outside = [box["text"] for box in header["boxes"] if box["left"] < 0 or box["right"] > header["width"]]
    check(f"{png}: every header link is within the screen {outside}", not outside)
    wrapped = [box["text"] for box in header["boxes"] if box["lines"] != 1]
    check(f"{png}: every header link is on one line {wrapped}", not wrapped)
    check(f"{png}: nothing scrolls sideways", header["scrollWidth"] <= header["width"])
    driver.save_screenshot(os.path.join(out_dir, png))
    check(f"{png} saved", os.path.getsize(os.path.join(out_dir, png)) > 10_000)
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def open_for_you(driver):
    """Opens "For you"; just after start the shared index may still be building ("preparing"): reload until not."""
    for _ in range(90):
        driver.get(base + "/papers/for-you")
        if "notice preparing" not in driver.page_source:
            return True
        time.sleep(1)
    return False


def sign_up(driver, name):
    driver.get(base + "/signup")
    driver.find_element(By.NAME, "username").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys("a long password")
    driver.find_element(By.NAME, "confirm").send_keys("a long password")
    driver.find_element(By.CSS_SELECTOR, "form.auth-form button[type=submit]").click()
    WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, f"a[href='/users/{name}']")))


try:
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except Exception:
            time.sleep(0.2)
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()

    alice = browser()
    sign_up(alice, "alice")
    check("sign up logs in", "alice" in alice.page_source)
    alice.get(base + "/submit")
    alice.find_element(By.NAME, "paper").send_keys("https://arxiv.org/abs/" + paper["id"] + "v1")
    alice.find_element(By.CSS_SELECTOR, "form.auth-form button[type=submit]").click()
    WebDriverWait(alice, 20).until(EC.url_contains("/papers/date/" + today))
    check("submission lands on today's feed", title in alice.page_source)

    bob = browser()
    sign_up(bob, "bob")
    bob.get(base + "/papers/date/" + today)
    button = bob.find_element(By.CSS_SELECTOR, f"form.vote-form[action='/papers/{paper['id']}/upvote'] button")
    url_before = bob.current_url
    button.click()
    WebDriverWait(bob, 20).until(lambda d: button.find_element(By.CSS_SELECTOR, ".vote-count").text == "1")
    check("upvote updates the count without a reload", bob.current_url == url_before and "upvoted" in button.get_attribute("class"))

    bob.get(base + "/papers/" + paper["id"])
    bob.find_element(By.ID, "comment-body").send_keys("Nice **ablation** <script>alert(1)</script>")
    bob.find_element(By.CSS_SELECTOR, "form.comment-form button[type=submit]").click()
    WebDriverWait(bob, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".comment-body strong")))
    check("comment is rendered safely", "<script>alert(1)</script>" not in bob.page_source
          and bob.find_element(By.CSS_SELECTOR, ".comment-body strong").text == "ablation")
    check("upvoters are listed", "Upvoted by" in bob.page_source)

    # "For you": Carol upvotes three papers on speech and sees related papers first, with why; "Not interested"
    # takes a card away without a reload.
    carol = browser()
    sign_up(carol, "carol")
    check("for you: the page is ready", open_for_you(carol))
    check("for you: a new reader is told the list is a cold start", "cold-start" in carol.page_source)
    for record in seeds:
        carol.get(base + "/papers/" + record["id"])
        vote = carol.find_element(By.CSS_SELECTOR, "form.vote-form button")
        vote.click()
        WebDriverWait(carol, 20).until(lambda d: "upvoted" in vote.get_attribute("class"))
    carol.get(base + "/papers/trending")
    carol.find_element(By.LINK_TEXT, "For you").click()
    WebDriverWait(carol, 30).until(EC.url_contains("/papers/for-you"))
    if "notice preparing" in carol.page_source:
        open_for_you(carol)
    cards = carol.find_elements(By.CSS_SELECTOR, "ol.cards > li.card")
    check("for you: the tab lists recommendations", len(cards) >= 3)
    related = ["speech" in card.text.lower() for card in cards[:3]]
    check(f"for you: related (speech) papers rank first {related}", all(related))
    explanation = cards[0].find_element(By.CSS_SELECTOR, ".explanation").text
    check("for you: the first card says which upvote it is like",
          explanation.startswith("Because you upvoted") and any(t[:30] in explanation for t in seed_titles))
    check("for you: upvoted papers are not recommended",
          not any(t[:40] in card.find_element(By.CSS_SELECTOR, ".card-title a").text for card in cards for t in seed_titles))
    first_title = cards[0].find_element(By.CSS_SELECTOR, ".card-title a").text
    url_before = carol.current_url
    cards[0].find_element(By.CSS_SELECTOR, ".not-interested-form button").click()
    WebDriverWait(carol, 20).until(EC.staleness_of(cards[0]))
    remaining = [card.find_element(By.CSS_SELECTOR, ".card-title a").text
                 for card in carol.find_elements(By.CSS_SELECTOR, "ol.cards > li.card")]
    check("for you: not interested removes the card without a reload",
          carol.current_url == url_before and first_title not in remaining and len(remaining) == len(cards) - 1)
    carol.get(base + "/papers/for-you")
    check("for you: the rejected paper stays away, with an undo",
          first_title not in [c.text for c in carol.find_elements(By.CSS_SELECTOR, ".card-title a")]
          and "Undo" in carol.find_element(By.CSS_SELECTOR, ".notice.undo").text)
    carol.save_screenshot(os.path.join(out_dir, "for-you.png"))
    opened = carol.find_elements(By.CSS_SELECTOR, ".card-title a")[0]
    opened_title = opened.text
    opened.click()
    WebDriverWait(carol, 20).until(EC.url_contains("/papers/2"))
    carol.get(base + "/papers/for-you")
    check("for you: a paper the reader opened is seen and not recommended again",
          opened_title not in [c.text for c in carol.find_elements(By.CSS_SELECTOR, ".card-title a")])

    alice.get(base + "/papers/trending")
    check("trending shows the paper first", alice.find_elements(By.CSS_SELECTOR, ".card-title a")[0].text.startswith(title[:40]))
    alice.find_element(By.LINK_TEXT, "Weekly").click()
    WebDriverWait(alice, 20).until(EC.url_contains("/papers/week/"))
    check("weekly tab shows the paper", title in alice.page_source)

    # A paper only arXiv knows: its page offers the import; the member imports it and submits it to today's feed.
    alice.get(base + "/papers/" + FAKE_ID)
    check("a missing arXiv paper offers an import", "is not in Paperboy yet" in alice.page_source)
    # The import answers with a redirect to the same URL, so wait for the old page to go and the new one to show
    # the title (a wait for any <h1> would be satisfied by the page being left).
    import_button = alice.find_element(By.XPATH, "//button[normalize-space()='Import from arXiv']")
    import_button.click()
    # While the browser is between the two documents a driver call can fail outright; such a poll just counts
    # as "not yet".
    WebDriverWait(alice, 30, ignored_exceptions=(WebDriverException,)).until(EC.staleness_of(import_button))
    WebDriverWait(alice, 30, ignored_exceptions=(WebDriverException,)).until(
        lambda d: FAKE_TITLE in d.page_source and d.execute_script("return document.readyState") == "complete")
    check("the imported paper's page shows its title, authors and PDF link",
          FAKE_TITLE in alice.page_source and "Grace Hopper" in alice.page_source and f"/pdf/{FAKE_ID}" in alice.page_source)
    alice.get(base + "/submit")
    alice.find_element(By.NAME, "paper").send_keys(FAKE_ID)
    alice.find_element(By.CSS_SELECTOR, "form.auth-form button[type=submit]").click()
    WebDriverWait(alice, 20).until(EC.url_contains("/papers/date/" + today))
    check("the imported paper is on today's feed", FAKE_TITLE in alice.page_source)

    alice.get(base + "/papers/date/" + today)
    alice.save_screenshot(os.path.join(out_dir, "daily.png"))
    check("screenshot saved", os.path.getsize(os.path.join(out_dir, "daily.png")) > 10_000)
    # A phone: the header keeps every link on screen and on one line, signed out and signed in.
    visitor = browser()
    phone_screenshot(visitor, "/", "phone-home.png", ["Paperboy", "Daily papers", "New on arXiv", "Log in", "Sign up"])
    phone_screenshot(alice, "/papers/date/" + today, "phone-signed-in.png",
                     ["Paperboy", "Daily papers", "About", "Submit", "alice", "Log out"])
    # The site's own pages and script satisfy its Content-Security-Policy: the browsers logged no violation.
    violations = [entry["message"] for driver in (alice, bob, carol, visitor) for entry in driver.get_log("browser")
                  if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]]
    check("no Content-Security-Policy violations", not violations)
    for message in violations[:5]:
        print("  " + message)
    alice.quit()
    bob.quit()
    carol.quit()
    visitor.quit()
except Exception as error:
    failed += 1
    print(f"FAILED - browser flow raised {error!r}")
    for line in traceback.format_exc().splitlines()[-8:]:
        print("  " + line)
    for driver_name in ("alice", "bob", "carol", "visitor"):
        if driver_name in globals():
            print(f"  {driver_name} was at {globals()[driver_name].current_url}")
    # The server's own account of what happened, for a failure seen only in CI.
    with open(os.path.join(out_dir, "server.log")) as log:
        for line in log.readlines()[-30:]:
            print("  server: " + line.rstrip())
finally:
    server.terminate()
    status = server.wait(timeout=20)
    fake_arxiv.shutdown()
check("serve stops with status 0 on SIGTERM", status == 0)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
