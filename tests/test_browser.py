"""End-to-end check of the foundation in a real browser (Debian's chromium via Playwright).

Every demo login signs in, lands on the home page and sees their name, their role and exactly
the navigation their role allows; every page they may open is screenshotted at phone and desktop
width and must not scroll sideways on a phone, keep tap targets at least 44 px tall and raise
no Content Security Policy violation or script error. The footer language switcher and the 403
page are checked separately.

Set SCREENSHOT_DIR to keep the screenshots; otherwise they go to pytest's tmp_path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from staff.models import Role
from tests.browserkit import DEMO_PASSWORD, NAV_TARGETS, PHONE, fits_phone, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}  # a laptop's window (the kit's DESKTOP is 900 high)
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


def zh(message: str) -> str:
    """``message`` as the Chinese page shows it (still English while a msgid is untranslated)."""
    with translation.override("zh-hans"):
        return gettext(message)


def log_in_demo(page, base_url: str, username: str) -> None:
    log_in(page, base_url, username, DEMO_PASSWORD, lands_on=reverse("home"))


def assert_fits_phone(page, where: str) -> None:
    fits_phone(page, where, selector=NAV_TARGETS)


def check_both_widths(page, shoot, name: str) -> None:
    """The current page fits a phone, shows the full navigation on a desktop; both shot."""
    page.set_viewport_size(PHONE)
    assert_fits_phone(page, name)
    shoot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)
    assert page.locator("#main-nav").is_visible()
    # The bar stays on one line on a desktop (menus keep it short).
    assert page.locator(".site-nav").bounding_box()["height"] < 80, f"{name}: the bar wraps"
    shoot(page, f"{name}-1280")


def nav_hrefs(page) -> set[str]:
    return set(
        page.eval_on_selector_all(
            "#main-nav ul:not(.account-nav) a.nav-link:not(.dropdown-toggle), "
            "#main-nav a.dropdown-item",
            "els => els.map(e => e.getAttribute('href'))",
        )
    )


@pytest.mark.parametrize("login", LOGINS, ids=[login.username for login in LOGINS])
def test_each_role_sees_its_home_and_only_its_pages(demo, page, shoot, login):
    base = demo.url
    log_in_demo(page, base, login.username)
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
    shoot(page, f"{login.username}-home-390")
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
    shoot(page, f"{login.username}-menu-390", full_page=False)

    # Every page the role may open (Django's own admin aside) fits a phone and a desktop.
    for name in sorted(login.nav - {"admin:index"} | {"password_change"}):
        page.set_viewport_size(PHONE)
        response = page.goto(f"{base}{reverse(name)}")
        assert response.status == 200, f"{login.username} gets {response.status} on {name}"
        check_both_widths(page, shoot, f"{login.username}-{name.replace(':', '-')}")
        if name == "staff:list":  # and one person's card, opened from the directory
            page.set_viewport_size(PHONE)
            with page.expect_navigation():
                page.locator("table tbody td > a").first.click()
            assert page.locator("main h1").inner_text().strip() == "丁天宇"
            check_both_widths(page, shoot, f"{login.username}-staff-detail")
        if name == "staff:import":  # and the list of problems in a rejected file
            page.set_viewport_size(PHONE)
            page.set_input_files(
                "input[type=file]",
                {"name": "staff.csv", "mimeType": "text/csv", "buffer": BAD_STAFF_LIST},
            )
            with page.expect_navigation():
                page.locator("main form button[type=submit]").click()
            assert page.locator("table.import-errors tbody tr").count() == 3
            check_both_widths(page, shoot, f"{login.username}-staff-import-errors")

    assert not page.errors, page.errors


def test_language_switcher_in_the_footer(demo, page, shoot):
    base = demo.url
    page.set_viewport_size(DESKTOP)
    page.goto(f"{base}{reverse('login')}")
    html = page.locator("html")
    assert html.get_attribute("lang") == "zh-hans"
    shoot(page, "login-1280")
    page.set_viewport_size(PHONE)
    assert_fits_phone(page, "login page")
    shoot(page, "login-390")
    page.set_viewport_size(DESKTOP)

    # Switch before logging in: the choice sticks through the login.
    switcher = page.locator("footer .language-switcher")
    with page.expect_navigation():
        switcher.get_by_role("button", name="English").click()
    assert html.get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Log in", exact=True).is_visible()
    log_in_demo(page, base, "leader")
    assert html.get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Log out").is_visible()
    assert page.get_by_role("heading", name="Hello, 余明轩").is_visible()
    shoot(page, "language-en-1280")
    page.set_viewport_size(PHONE)
    assert_fits_phone(page, "English home")
    shoot(page, "language-en-390")
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
    shoot(page, "language-zh-1280")

    assert not page.errors, page.errors


def test_teacher_opening_staff_import_gets_the_403_page(demo, page, shoot):
    base = demo.url
    log_in_demo(page, base, "teacher")
    response = page.goto(f"{base}{reverse('staff:import')}")
    assert response.status == 403
    assert page.get_by_role("heading", name=zh("No access")).is_visible()
    assert page.get_by_role("link", name=zh("Back to home")).is_visible()
    assert page.locator("input[type=file]").count() == 0
    assert_fits_phone(page, "403 page")
    shoot(page, "teacher-403-390")

    assert not page.errors, page.errors
