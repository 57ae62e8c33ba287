"""Every page a demo login can reach by following links answers without a server error.

The demo school (``seed_demo``, every app's demo data) is made once for the module inside a
transaction that is rolled back at the end, the way ``TestCase.setUpTestData`` does it; each
test's own changes (a crawl may follow a link that writes) roll back to a savepoint. For each
demo login the crawl starts at "/" and follows the same-site ``<a href>`` links breadth-first
with GET, as Django's test client logged in with ``force_login``. Pages that are not HTML
(downloads: PDF, Excel, CSV, iCalendar) are fetched in full but not parsed. Every 5xx is
collected with the exception that caused it, and the test fails once at
the end with the whole list.

A template error (a bad tag, a filter that raises, an include that is missing) is a 500 here:
the client is told not to re-raise, so the response carries the exception for the report.
Variables missing from a template's context are not flagged: the project's templates rely on
Django's silent "" for them (``{{ x.name|default:"—" }}`` on an empty relation), so
``string_if_invalid`` would only report false alarms — and even turns the daily report's
``{% include section.template|default:... %}`` into a 500 that users never see.
"""

from __future__ import annotations

import io
import re
import time
import traceback
from collections import Counter, defaultdict, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings

from staff.models import User

ROLES = ["admin", "principal", "leader", "teacher", "guard", "tech", "bureau"]
PAGE_CAP = 250  # pages per login; with the limits below the busiest (principal) needs ~240
QUERY_VARIANTS = 3  # distinct query strings followed per path (months, filters, pages)
SAME_SHAPE = 4  # paths that differ only in their numbers (/staff/12/, /staff/13/...)
# Not crawled: logging out ends the crawl; the Django admin is Django's own; files are served
# by the web server; the language switch is a POST form, not a link.
SKIP_PREFIXES = ("/accounts/logout/", "/admin/", "/static/", "/media/", "/i18n/")
# Fewer pages than measured on 2026-12-04 (a page or two less is fine; far fewer means the crawl
# lost its way, e.g. the home page stopped linking a whole app).
REACHES = {"admin": 200, "principal": 200, "leader": 130, "teacher": 70, "guard": 70, "tech": 50,
           "bureau": 25}  # fmt: skip
LOGIN = "/accounts/login/"
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Links(HTMLParser):
    """The page's links, and every id attribute (an id used twice breaks htmx targets and
    labels)."""

    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: Counter[str] = Counter()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id") is not None:
            self.ids[attrs["id"]] += 1
        if tag == "a":
            href = attrs.get("href")
            if href:
                self.hrefs.append(href)


def repeated_ids(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return sorted(name for name, n in parser.ids.items() if n > 1)


def links_of(html: str, base: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        url, _ = urldefrag(urljoin(base, href.strip()))
        parts = urlsplit(url)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
            continue  # tel:, mailto:, another site
        if not parts.path.startswith("/") or parts.path.startswith(SKIP_PREFIXES):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


@pytest.fixture(scope="module")
def demo_school(django_db_setup, django_db_blocker):
    """seed_demo once for the module, undone when the module is done."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        atomic = transaction.atomic()
        atomic._from_testcase = True  # as TestCase's own: durable blocks inside stay allowed
        atomic.__enter__()
        try:
            started = time.monotonic()
            call_command("seed_demo", stdout=io.StringIO())
            if connection.vendor == "postgresql":
                # The planner's statistics are whatever earlier tests left (rows since rolled
                # back): seen once to turn a page's query into a half-hour nested loop. ANALYZE
                # counts this transaction's own rows.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            print(f"seed_demo: {time.monotonic() - started:.1f} s")
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def exception_summary(response) -> str:
    """The exception behind a 500 and the innermost frame of the project's own code."""
    exc_info = getattr(response, "exc_info", None)
    if not exc_info or exc_info[1] is None:
        return "(no exception recorded)"
    ours = [
        f"{frame.filename.removeprefix(str(settings.BASE_DIR) + '/')}:{frame.lineno}"
        for frame in traceback.extract_tb(exc_info[2])
        if frame.filename.startswith(str(settings.BASE_DIR)) and "/.venv/" not in frame.filename
    ]
    where = f" at {ours[-1]}" if ours else ""
    return f"{type(exc_info[1]).__name__}: {str(exc_info[1])[:300]}{where}"


def crawl(client: Client, role: str) -> tuple[list[str], int]:
    """Breadth-first from "/"; returns (failures, pages fetched)."""
    failures: list[str] = []
    seen: set[str] = {"/"}
    paths: defaultdict[str, set[str]] = defaultdict(set)  # shape -> paths crawled
    variants: Counter[str] = Counter()  # path -> query strings crawled
    queue = deque([("/", "(start)")])
    fetched = 0
    while queue and fetched < PAGE_CAP:
        url, came_from = queue.popleft()
        response = client.get(url)
        fetched += 1
        body = b"".join(response.streaming_content) if response.streaming else response.content
        where = f"{role} GET {url} (linked from {came_from})"
        if response.status_code >= 500:
            failures.append(f"{where}: {response.status_code} {exception_summary(response)}")
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            location = urljoin(url, response["Location"])
            if urlsplit(location).path == LOGIN:
                failures.append(f"{where}: sent to the login page, the session is gone")
                break
            targets = links_of(f'<a href="{location}">', url)
        elif "text/html" in response.get("Content-Type", ""):
            html = body.decode(response.charset or "utf-8", errors="replace")
            targets = links_of(html, url)
            if twice := repeated_ids(html):
                failures.append(f"{where}: ids used more than once: {twice[:10]}")
        else:
            continue  # a download: fetched in full above, nothing to follow
        for target in targets:
            if target in seen:
                continue
            path, _, query = target.partition("?")
            shape = re.sub(r"\d+", "N", path)
            if path not in paths[shape]:
                if len(paths[shape]) >= SAME_SHAPE:
                    continue
                paths[shape].add(path)
            if query:
                if variants[path] >= QUERY_VARIANTS:
                    continue
                variants[path] += 1
            seen.add(target)
            queue.append((target, url))
    return failures, fetched


def test_links_followed_are_same_site_gets_outside_the_skipped_places():
    html = """<a href="/roster/">r</a> <a href="2/?month=2026-12#top">rel</a>
    <a href="http://testserver/logbook/">abs</a> <a href="https://example.com/x">ext</a>
    <a href="tel:0571">tel</a> <a href="mailto:a@b.c">mail</a> <a href="#top">here</a>
    <a href="/admin/">admin</a> <a href="/static/x.css">static</a> <a>no href</a>"""
    assert links_of(html, "/roster/1/") == [
        "/roster/", "/roster/1/2/?month=2026-12", "/logbook/", "/roster/1/",
    ]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_every_linked_page_answers_without_a_server_error(demo_school, db, role, settings):
    settings.PASSWORD_HASHERS = FAST_HASHER
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=role))
    started = time.monotonic()
    failures, fetched = crawl(client, role)
    print(f"{role}: {fetched} pages in {time.monotonic() - started:.1f} s")
    assert fetched >= REACHES[role], f"{role} reached only {fetched} pages from the home page"
    assert not failures, "\n".join(failures)
