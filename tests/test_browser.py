"""End-to-end check of the foundation in a real browser (Debian's chromium via Playwright).

Every demo login signs in, lands on the home page and sees their name, their role and exactly
the navigation their role allows; every page they may open is screenshotted at phone and desktop
width and must not scroll sideways on a phone, keep tap targets at least 44 px tall and raise
no Content Security Policy violation or script error. The footer language switcher and the 403
page are checked separately.

Set SCREENSHOT_DIR to keep the screenshots; otherwise they go to pytest's tmp_path.
"""

from __future__ import annotations

import io
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from staff.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "duty2026"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
MIN_TAP = 44  # px: the height every tap target keeps on a phone
# What counts as a tap target here: controls, navigation and links alone in a table cell.
# Links inside running text are exempt.
TAP_TARGETS = (
    ".btn, .nav-link, .dropdown-item, .navbar-toggler, .navbar-brand, .list-group-item-action, "
    ".page-link, "
    "td > a, a[href^='tel:'], select, textarea, "
    "input:not([type=hidden]):not([type=checkbox]):not([type=radio])"
)
# A staff list with a problem on every row: the import page then lists them in a table.
BAD_STAFF_LIST = (
    "姓名,职务,手机,紧急联系人,紧急联系电话,可担任值班角色\n"
    ",教师,13800009999,,,值班教师\n"
    "钱多多,教师,12345,,,值班教师\n"
    "孙一一,教师,13800009998,,,天文台台长兼任夜间巡逻值班与安全保卫工作负责人\n"
).encode()
# Pages behind the role gates; the home page is open to every login.
GATED = ["staff:list", "staff:import", "staff:schools"]


@dataclass(frozen=True)
class Login:
    username: str
    name: str
    roles: tuple[str, ...]  # Role values whose labels the home page shows
    nav: frozenset[str] = field(default_factory=frozenset)  # url names in the main navigation
    bureau: bool = False


DUTY = {"home", "roster:list", "roster:today", "assessment:home"}
LOGBOOK = {"logbook:now", "logbook:hazards", "incidents:list"}
LEADERSHIP = {"logbook:visits", "logbook:daily", "logbook:log-archive"}

LOGINS = [
    Login(
        "admin",
        "王丽华",
        (Role.ADMIN,),
        frozenset(
            {
                "home",
                "roster:list",
                "roster:today",
                "assessment:home",
                "staff:list",
                "staff:import",
                "admin:index",
                "notifications:log",
                "roster:filings",
                "logbook:now",
                "logbook:hazards",
                "incidents:list",
                "logbook:visits",
                "logbook:daily",
                "logbook:log-archive",
                "logbook:checklists",
            }
        ),
    ),
    Login(
        "principal",
        "丁天宇",
        (Role.PRINCIPAL, Role.LEADER),
        frozenset({*DUTY, "staff:list", *LOGBOOK, *LEADERSHIP}),
    ),
    Login(
        "leader",
        "余明轩",
        (Role.LEADER,),
        frozenset({*DUTY, "staff:list", *LOGBOOK, *LEADERSHIP}),
    ),
    Login("teacher", "冯秀英", (Role.TEACHER,), frozenset({*DUTY, *LOGBOOK, "logbook:visits"})),
    Login("guard", "陈磊", (Role.GUARD,), frozenset({*DUTY, *LOGBOOK, "logbook:visits"})),
    Login("tech", "黄婷婷", (Role.TECH,), frozenset({*DUTY, *LOGBOOK})),
    Login(
        "bureau",
        "陈建华",
        (),
        frozenset(
            {
                "home",
                "staff:list",
                "staff:schools",
                "roster:bureau-filings",
                "logbook:bureau-daily",
                "incidents:bureau",
            }
        ),
        bureau=True,
    ),
]

# document.documentElement.scrollWidth is the page's full width including any overflow.
SCROLL_WIDTH = "() => document.documentElement.scrollWidth"
SMALL_TARGETS = """(args) => {
  const [selector, min] = args;
  return Array.from(document.querySelectorAll(selector))
    .filter((el) => el.offsetParent !== null && el.type !== 'hidden')
    .map((el) => ({text: (el.innerText || el.value || el.name || el.className).trim().slice(0, 40),
                   height: el.getBoundingClientRect().height}))
    .filter((box) => box.height > 0 && box.height < min);
}"""


def zh(message: str) -> str:
    """``message`` as the Chinese page shows it (still English while a msgid is untranslated)."""
    with translation.override("zh-hans"):
        return gettext(message)


@pytest.fixture(scope="module", autouse=True)
def _allow_orm_beside_playwright():
    """Playwright's sync API keeps an event loop running in this thread, and Django refuses ORM
    calls from a thread with a running loop unless told it is safe (it is: nothing async here)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(_allow_orm_beside_playwright):
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def demo(live_server, settings):
    """The demo school, hashed with a fast hasher: the real PBKDF2 costs about a second a login."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    return live_server


@dataclass
class Console:
    messages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [
            m
            for m in self.messages + self.errors
            if "Content Security Policy" in m or "Refused to" in m
        ]


@pytest.fixture
def page(browser):
    """A fresh context per test: a phone-sized window with a Chinese browser, as on a teacher's
    phone. Console output and uncaught script errors are collected on ``page.console``."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    console = Console()
    page.on("console", lambda msg: console.messages.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: console.errors.append(str(exc)))
    page.console = console
    yield page
    context.close()


@pytest.fixture
def shots(tmp_path):
    """Save a screenshot into tmp_path and, when SCREENSHOT_DIR is set, copy it there too."""
    keep = os.environ.get("SCREENSHOT_DIR")

    def shoot(page, name: str, *, full_page: bool = True) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)
        return path

    return shoot


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}{reverse('login')}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert page.url == f"{base_url}{reverse('home')}", f"login as {username} failed: {page.url}"


def assert_fits_phone(page, where: str) -> None:
    width = page.evaluate(SCROLL_WIDTH)
    assert width <= PHONE["width"], f"{where} scrolls sideways at 390 px: {width} px wide"
    small = page.evaluate(SMALL_TARGETS, [TAP_TARGETS, MIN_TAP])
    assert not small, f"{where} has tap targets under {MIN_TAP} px: {small}"


def check_both_widths(page, shots, name: str) -> None:
    """The current page fits a phone, shows the full navigation on a desktop; both shot."""
    page.set_viewport_size(PHONE)
    assert_fits_phone(page, name)
    shots(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)
    assert page.locator("#main-nav").is_visible()
    # The bar stays on one line on a desktop (menus keep it short).
    assert page.locator(".site-nav").bounding_box()["height"] < 80, f"{name}: the bar wraps"
    shots(page, f"{name}-1280")


def nav_hrefs(page) -> set[str]:
    return set(
        page.eval_on_selector_all(
            "#main-nav ul:not(.account-nav) a.nav-link:not(.dropdown-toggle), "
            "#main-nav a.dropdown-item",
            "els => els.map(e => e.getAttribute('href'))",
        )
    )


@pytest.mark.parametrize("login", LOGINS, ids=[login.username for login in LOGINS])
def test_each_role_sees_its_home_and_only_its_pages(demo, page, shots, login):
    base = demo.url
    log_in(page, base, login.username)
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    # Who I am: name and role(s).
    main = page.locator("main")
    assert login.name in main.inner_text()
    labels = [zh(Role(value).label) for value in login.roles]
    if login.bureau:
        labels.append(zh("Education bureau"))
    badges = main.locator(".badge").all_inner_texts()
    assert sorted(badges) == sorted(labels)

    # The navigation offers exactly the pages the role may open; the rest answer 403.
    assert nav_hrefs(page) == {reverse(name) for name in login.nav}
    for name in GATED:
        if name not in login.nav:
            response = page.request.get(f"{base}{reverse(name)}", max_redirects=0)
            assert response.status == 403, f"{login.username} may open {name}"

    # Phone: the menu is collapsed behind the toggler and opens with Bootstrap's script.
    menu = page.locator("#main-nav")
    assert not menu.is_visible()
    shots(page, f"{login.username}-home-390")
    assert_fits_phone(page, f"home for {login.username}")
    page.click(".navbar-toggler")
    menu.locator("a.nav-link").first.wait_for(state="visible")
    page.wait_for_selector("#main-nav.show:not(.collapsing)")
    assert_fits_phone(page, f"open menu for {login.username}")
    toggles = menu.locator("a.dropdown-toggle")
    if toggles.count():  # a menu inside the menu opens too, with phone-sized items
        toggles.first.click()
        menu.locator(".dropdown-menu.show a.dropdown-item").first.wait_for(state="visible")
        assert_fits_phone(page, f"open submenu for {login.username}")
    shots(page, f"{login.username}-menu-390", full_page=False)

    # Every page the role may open (Django's own admin aside) fits a phone and a desktop.
    for name in sorted(login.nav - {"admin:index"} | {"password_change"}):
        page.set_viewport_size(PHONE)
        response = page.goto(f"{base}{reverse(name)}")
        assert response.status == 200, f"{login.username} gets {response.status} on {name}"
        check_both_widths(page, shots, f"{login.username}-{name.replace(':', '-')}")
        if name == "staff:list":  # and one person's card, opened from the directory
            page.set_viewport_size(PHONE)
            with page.expect_navigation():
                page.locator("table tbody td > a").first.click()
            assert page.locator("main h1").inner_text().strip() == "丁天宇"
            check_both_widths(page, shots, f"{login.username}-staff-detail")
        if name == "staff:import":  # and the list of problems in a rejected file
            page.set_viewport_size(PHONE)
            page.set_input_files(
                "input[type=file]",
                {"name": "staff.csv", "mimeType": "text/csv", "buffer": BAD_STAFF_LIST},
            )
            with page.expect_navigation():
                page.locator("main form button[type=submit]").click()
            assert page.locator("table.import-errors tbody tr").count() == 3
            check_both_widths(page, shots, f"{login.username}-staff-import-errors")

    assert not page.console.csp_violations(), page.console.csp_violations()
    assert not page.console.errors, page.console.errors


def test_language_switcher_in_the_footer(demo, page, shots):
    base = demo.url
    page.set_viewport_size(DESKTOP)
    page.goto(f"{base}{reverse('login')}")
    html = page.locator("html")
    assert html.get_attribute("lang") == "zh-hans"
    shots(page, "login-1280")
    page.set_viewport_size(PHONE)
    assert_fits_phone(page, "login page")
    shots(page, "login-390")
    page.set_viewport_size(DESKTOP)

    # Switch before logging in: the choice sticks through the login.
    switcher = page.locator("footer .language-switcher")
    with page.expect_navigation():
        switcher.get_by_role("button", name="English").click()
    assert html.get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Log in", exact=True).is_visible()
    log_in(page, base, "leader")
    assert html.get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Log out").is_visible()
    assert page.get_by_role("heading", name="Hello, 余明轩").is_visible()
    shots(page, "language-en-1280")
    page.set_viewport_size(PHONE)
    assert_fits_phone(page, "English home")
    shots(page, "language-en-390")
    page.set_viewport_size(DESKTOP)

    # Back to Chinese on a deeper page: the switcher returns to the same page.
    page.goto(f"{base}{reverse('staff:list')}")
    with page.expect_navigation():
        switcher.get_by_role("button", name="简体中文").click()
    assert page.url == f"{base}{reverse('staff:list')}"
    assert html.get_attribute("lang") == "zh-hans"
    assert page.get_by_role("button", name=zh("Log out")).is_visible()
    assert page.get_by_role("heading", name=zh("Staff directory")).is_visible()
    # The current language's button is marked as such.
    assert switcher.get_by_role("button", name="简体中文").get_attribute("aria-current") == "true"
    assert switcher.get_by_role("button", name="English").get_attribute("aria-current") is None
    shots(page, "language-zh-1280")

    assert not page.console.csp_violations(), page.console.csp_violations()
    assert not page.console.errors, page.console.errors


def test_teacher_opening_staff_import_gets_the_403_page(demo, page, shots):
    base = demo.url
    log_in(page, base, "teacher")
    response = page.goto(f"{base}{reverse('staff:import')}")
    assert response.status == 403
    assert page.get_by_role("heading", name=zh("No access")).is_visible()
    assert page.get_by_role("link", name=zh("Back to home")).is_visible()
    assert page.locator("input[type=file]").count() == 0
    assert_fits_phone(page, "403 page")
    shots(page, "teacher-403-390")

    assert not page.console.csp_violations(), page.console.csp_violations()
    assert not page.console.errors, page.console.errors
