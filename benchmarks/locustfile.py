"""The load test's users (run by benchmarks/load.py; not meant to be started by hand).

Each user is one person of the district (benchmarks/district.py writes who, per school, in
``LOAD_PERSONAS``) who logs in through the login form (CSRF token from the form, session cookie
from the answer) and then uses the app like a phone or an office PC would, with think time
between clicks. What they do depends on who they are:

- writer: the teacher (or guard) on duty now, who owns the shift's draft log: reads it,
  autosaves it (carrying the version the last save answered, as the page does), patrols.
- patroller: the others on duty: patrol rounds item by item, the visitor register.
- leader: the duty leader (else the principal): dashboards, the daily report, logs, post checks.
- office: the office administrator: rosters, visitors, the daily report.
- teacher / reader: everyone else: my duties, the roster, the inbox, now and then a report of a
  minor incident.

The mix over the default 5 users per school is about 70 % reads (dashboards, rosters, duty
logs), 20 % logbook writes (autosave, patrol items, post checks) and 10 % visitor and incident
writes. Every full page also fetches the inbox badge, as htmx does on load; those polls count
as requests but not as reads in the p95s (category "poll").

Phases (``LOAD_*`` environment, see ``Shape``): ramp (everyone logs in; not measured),
steady, then the shift-change spike — extra people arrive as at 07:30–08:00: they log in, open
"on duty now", check in, open the shift's log and the duty board, and stay on. The server's
clock is not faked: the spike plays that traffic against the shift on duty at the time of the
run.

Every request is recorded (category, name, phase, milliseconds, ok) and written to
``LOAD_RESULT`` as JSON when the run stops; load.py computes the figures.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from locust import HttpUser, LoadTestShape, between, events, task

DATA = json.loads(open(os.environ["LOAD_PERSONAS"], encoding="utf-8").read())  # noqa: SIM115
SCHOOLS = DATA["schools"]
PASSWORD = DATA["password"]
USERS = int(os.environ.get("LOAD_USERS", "100"))
SPIKE_USERS = int(os.environ.get("LOAD_SPIKE_USERS", "30"))
RAMP = float(os.environ.get("LOAD_RAMP", "180"))  # at most: measuring starts once all are in
SETTLE = float(os.environ.get("LOAD_SETTLE", "5"))  # seconds after the last login
STEADY = float(os.environ.get("LOAD_STEADY", "90"))
SPIKE = float(os.environ.get("LOAD_SPIKE", "60"))
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE", "2"))
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "5,15").split(","))

SAMPLES: list[tuple] = []  # (category, name, phase, ms, ok)
START = time.monotonic()
START_WALL = time.time()  # the same moment on the wall clock, for load.py's CPU samples
MEASURE_FROM: list[float] = []  # monotonic and wall time when the steady phase began
LOGGED_IN = itertools.count(1)  # logins of the day-to-day users so far
STOPPING = threading.Event()  # set when the shape ends: requests cut off then are not errors
_lock = threading.Lock()
_spawned = itertools.count()


def phase() -> str:
    """ramp until every day-to-day user has logged in (plus SETTLE s; RAMP s at most), then
    STEADY s of steady load, then SPIKE s of the shift change."""
    if STOPPING.is_set():
        return "stopped"
    now = time.monotonic()
    if not MEASURE_FROM:
        if now - START < RAMP and not (READY_AT and now >= READY_AT[0] + SETTLE):
            return "ramp"
        with _lock:
            if not MEASURE_FROM:
                MEASURE_FROM.extend([now, time.time()])
    elapsed = now - MEASURE_FROM[0]
    if elapsed < STEADY:
        return "steady"
    if elapsed < STEADY + SPIKE:
        return "spike"
    return "after"


READY_AT: list[float] = []  # when the last day-to-day user had logged in


@events.test_start.add_listener
def _started(environment, **kwargs):
    global START, START_WALL
    START, START_WALL = time.monotonic(), time.time()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    category = name.split(" ", 1)[0] if " " in name else "other"
    when = phase()
    ok = exception is None
    if when == "stopped" and not ok:
        category = "cut"  # a request in flight when the run stopped: locust abandons it
    SAMPLES.append((category, name, when, float(response_time), ok))


@events.test_stop.add_listener
def _dump(environment, **kwargs):
    with open(os.environ["LOAD_RESULT"], "w", encoding="utf-8") as out:
        measured = MEASURE_FROM[1] if MEASURE_FROM else START_WALL + RAMP
        json.dump({"samples": SAMPLES, "started_at": START_WALL, "measured_from": measured,
                   "ramp_seconds": measured - START_WALL,
                   "phases": {"steady": STEADY, "spike": SPIKE}}, out)  # fmt: skip


CSRF_FORM = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'id="log-version" value="(\d+)"')
ITEM_FORM = re.compile(r'action="/logbook/patrol/rounds/(\d+)/items/(\d+)/"')
SIGN_OUT = re.compile(r'action="/logbook/visitors/(\d+)/sign-out/"')
CHECKIN = re.compile(r'action="/roster/checkin/(\d+)/"')
LOG_OPEN = re.compile(r'action="/logbook/shifts/(\d+)/log/"')
LOG_LINK = re.compile(r'href="/logbook/logs/(\d+)/"')
CHECK_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
PLACES = ["操场", "教学楼二楼走廊", "食堂", "体育馆", "校门口", "三年级（2）班教室"]
TEXTS = [
    "课间巡查正常，各楼层楼梯口无拥挤推搡现象。",
    "放学时段家长接送秩序良好，校门口交通有序。",
    "午餐时段食堂秩序良好，食品留样已登记。",
    "三年级（2）班家长来电询问放学时间，已告知。",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
SCHOOL_ZONE = ZoneInfo("Asia/Shanghai")  # the district's schools' time zone (the form's)


def resident_id(rng: random.Random) -> str:
    born = date(1970, 1, 1) + timedelta(days=rng.randint(0, 12000))
    first17 = f"330106{born:%Y%m%d}{rng.randint(0, 999):03d}"
    total = sum(int(d) * w for d, w in zip(first17, CHECK_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


class Person(HttpUser):
    """Base: log in, then pick a weighted action after each think time."""

    abstract = True
    wait_time = between(*THINK)
    school: dict
    persona: dict

    def on_start(self):
        self.rng = random.Random()  # noqa: S311 - load test traffic, not security
        self.choose()
        self.log_version = None
        self.round = None
        self.items: list[int] = []
        self.login()

    def choose(self) -> None:
        raise NotImplementedError

    # ---- requests ------------------------------------------------------------------------

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def login(self) -> None:
        with self.client.get("/accounts/login/", name="auth GET login",
                             catch_response=True) as page:  # fmt: skip
            match = CSRF_FORM.search(page.text or "")
            if page.status_code != 200 or not match:
                page.failure(f"login page {page.status_code}")
                return
        with self.client.post(
            "/accounts/login/", name="auth POST login", allow_redirects=False,
            data={"csrfmiddlewaretoken": match.group(1),
                  "username": self.persona["username"], "password": PASSWORD},
            headers={"Referer": self.host + "/accounts/login/"}, catch_response=True,
        ) as answer:  # fmt: skip
            if answer.status_code != 302 or "sessionid" not in self.client.cookies:
                answer.failure(f"login of {self.persona['username']} → {answer.status_code}")
        if not getattr(self, "arriving", True) and next(LOGGED_IN) >= USERS and not READY_AT:
            READY_AT.append(time.monotonic())

    def page(self, path: str, name: str, *, expect: str = "") -> str:
        """A full page view (category read) and the inbox badge htmx fetches on load."""
        with self.client.get(path, name=f"read {name}", catch_response=True,
                             allow_redirects=False) as r:  # fmt: skip
            if r.status_code != 200 or (expect and expect not in r.text):
                r.failure(f"{r.status_code}")
                text = ""
            else:
                text = r.text
        with self.client.get("/notifications/badge/", name="poll badge",
                             headers={"HX-Request": "true"}, catch_response=True) as r:  # fmt: skip
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
        return text

    def post(
        self,
        path: str,
        name: str,
        data: dict,
        *,
        kind: str = "write",
        expect_status=302,
        expect_location: str = "",
        hx: bool = False,
        expect: str = "",
    ):
        headers = {"Referer": self.host + path, "X-CSRFToken": self.csrf()}
        if hx:
            headers["HX-Request"] = "true"
        with self.client.post(path, name=f"{kind} {name}", allow_redirects=False,
                              data={"csrfmiddlewaretoken": self.csrf(), **data},
                              headers=headers, catch_response=True) as r:  # fmt: skip
            location = r.headers.get("Location", "")
            if r.status_code != expect_status:
                r.failure(f"{r.status_code}: {(r.text or '')[:200]}")
                return None
            if expect_location and not re.search(expect_location, location):
                r.failure(f"redirected to {location}")
                return None
            if expect and expect not in (r.text or ""):
                r.failure(f"answer without {expect!r}: {(r.text or '')[:300]}")
                return None
            return r

    # ---- actions -------------------------------------------------------------------------

    def home(self):
        self.page("/", "/")

    def inbox(self):
        self.page("/notifications/", "/notifications/")

    def now(self):
        return self.page("/logbook/now/", "/logbook/now/")

    def today(self):
        self.page("/roster/today/", "/roster/today/")

    def my_duties(self):
        self.page("/roster/mine/", "/roster/mine/")

    def roster(self):
        if self.school.get("roster"):
            self.page(f"/roster/{self.school['roster']}/", "/roster/[id]/")

    def roster_week(self):
        if self.school.get("roster"):
            self.page(f"/roster/{self.school['roster']}/week/", "/roster/[id]/week/")

    def incidents(self):
        self.page("/incidents/", "/incidents/")

    def dashboard(self):
        self.page("/incidents/dashboard/", "/incidents/dashboard/")

    def daily(self):
        self.page("/logbook/daily/", "/logbook/daily/")

    def archive(self):
        self.page("/logbook/logs/archive/", "/logbook/logs/archive/")

    def log(self):
        if self.school.get("log"):
            text = self.page(f"/logbook/logs/{self.school['log']}/", "/logbook/logs/[id]/")
            match = VERSION.search(text)
            if match and self.persona["kind"] == "writer":
                self.log_version = match.group(1)

    def visits(self):
        return self.page("/logbook/visitors/", "/logbook/visitors/")

    def autosave(self):
        """The log page's autosave: the text so far and the version the last save answered."""
        if not self.school.get("log"):
            return
        if self.log_version is None:
            self.log()
            if self.log_version is None:
                return
        text = "\n".join(self.rng.sample(TEXTS, 2)) + f"\n{time.strftime('%H:%M:%S')} 巡查正常。"
        r = self.post(f"/logbook/logs/{self.school['log']}/autosave/", "log autosave",
                      {"activities": text, "version": self.log_version}, expect_status=200,
                      hx=True, expect='id="log-version"')  # fmt: skip
        if r is not None:
            self.log_version = VERSION.search(r.text).group(1)
        else:
            self.log_version = None  # reload the page next time, as the person would

    def patrol(self):
        """One step of a patrol: start a round, record the next item, or finish the round."""
        if not self.school.get("shift"):
            return
        if self.round is None:
            r = self.post("/logbook/patrol/start/", "patrol start",
                          {"shift": self.school["shift"]},
                          expect_location=r"^/logbook/patrol/rounds/\d+/$")  # fmt: skip
            if r is None:
                return
            self.round = int(r.headers["Location"].split("/")[-2])
            text = self.page(
                f"/logbook/patrol/rounds/{self.round}/", "/logbook/patrol/rounds/[id]/"
            )
            self.items = [int(i) for _r, i in ITEM_FORM.findall(text)]
            self.rng.shuffle(self.items)
            return
        if self.items:
            item = self.items.pop()
            self.post(f"/logbook/patrol/rounds/{self.round}/items/{item}/", "patrol item",
                      {"status": "ok", "note": ""},
                      expect_location=rf"^/logbook/patrol/rounds/{self.round}/")  # fmt: skip
            return
        self.post(f"/logbook/patrol/rounds/{self.round}/finish/", "patrol finish", {},
                  expect_location=rf"^/logbook/patrol/rounds/{self.round}/$")  # fmt: skip
        self.round = None

    def post_check(self):
        if self.school.get("shift"):
            self.post(f"/logbook/shifts/{self.school['shift']}/post-checks/", "post check",
                      {"remarks": "人员在岗，无异常", "next": "/logbook/now/"},
                      expect_location=r"^/logbook/now/$")  # fmt: skip

    def visitor(self):
        """Register a visitor at the gate; now and then sign one out from the list instead."""
        if self.rng.random() < 0.4:
            text = self.visits()
            open_visits = SIGN_OUT.findall(text)
            if open_visits:
                self.post(f"/logbook/visitors/{self.rng.choice(open_visits)}/sign-out/",
                          "visitor sign-out", {"time_out": "", "next": "/logbook/visitors/"},
                          kind="gate", expect_location=r"^/logbook/visitors/")  # fmt: skip
                return
        self.post("/logbook/visitors/new/", "visitor register", {
            "name": self.rng.choice(SURNAMES) + self.rng.choice(["伟", "芳", "敏", "强", "静"]),
            "phone": f"138{self.rng.randint(0, 99999999):08d}", "id_type": "resident",
            "id_number": resident_id(self.rng), "purpose": self.rng.choice(
                ["家长接孩子", "送教材", "维修空调", "食堂送货"]),
            "host_text": "教务处", "party_size": "1", "time_in": "", "time_out": "",
        }, kind="gate", expect_location=r"^/logbook/visitors/$")  # fmt: skip

    def incident(self):
        """A first report of a minor injury (Ⅳ), as the duty staff make them."""
        when = datetime.now(SCHOOL_ZONE) - timedelta(minutes=self.rng.randint(2, 30))
        self.post("/incidents/report/", "incident report", {
            "category": "accident", "subcategory": "injury", "severity": "4",
            "occurred_at": when.strftime("%Y-%m-%dT%H:%M"), "location": self.rng.choice(PLACES),
            "summary": "学生课间奔跑摔倒擦伤，校医已处理并通知家长。",
        }, kind="gate", expect_location=r"^/incidents/\d+/$")  # fmt: skip


# What each kind of person does, with weights (reads / logbook writes / gate writes).
ACTIONS = {
    "writer": {
        "now": 8,
        "log": 10,
        "home": 3,
        "my_duties": 2,
        "today": 2,
        "autosave": 22,
        "patrol": 10,
        "visitor": 2,
        "incident": 1,
    },
    "patroller": {
        "now": 8,
        "home": 3,
        "today": 3,
        "log": 4,
        "visits": 6,
        "inbox": 2,
        "patrol": 20,
        "visitor": 6,
    },
    "leader": {
        "dashboard": 7,
        "daily": 5,
        "archive": 4,
        "log": 6,
        "roster": 4,
        "now": 6,
        "today": 4,
        "incidents": 4,
        "home": 3,
        "inbox": 2,
        "post_check": 2,
        "incident": 1,
    },
    "office": {
        "roster": 7,
        "roster_week": 5,
        "daily": 4,
        "visits": 6,
        "today": 4,
        "dashboard": 3,
        "archive": 3,
        "home": 3,
        "inbox": 2,
        "visitor": 6,
    },
    "teacher": {
        "my_duties": 8,
        "roster_week": 6,
        "roster": 4,
        "inbox": 5,
        "home": 5,
        "now": 4,
        "today": 4,
        "incidents": 3,
        "incident": 2,
        "visitor": 3,
    },
    "reader": {
        "my_duties": 6,
        "home": 5,
        "inbox": 5,
        "today": 5,
        "now": 4,
        "visits": 3,
        "visitor": 3,
    },
}


LEADERSHIP_ONLY = ("dashboard", "daily", "archive", "post_check")


class DistrictUser(Person):
    """One person of the district. Users are numbered as locust starts them: the first USERS
    are the day-to-day users (user n: school n mod S, the (n div S)-th login there); those
    started after them, in the spike, are people arriving at the shift change (one class and a
    counter: locust only adds users when the count grows, so the numbering holds)."""

    def choose(self) -> None:
        with _lock:
            n = next(_spawned)
        self.arriving = n >= USERS
        if self.arriving:
            n -= USERS
            self.school = SCHOOLS[n % len(SCHOOLS)]
            duty = [p for p in self.school["personas"] if p["assignment"]]
            duty = duty or self.school["personas"]
            self.persona = duty[(n // len(SCHOOLS)) % len(duty)]
            self.actions, self.weights = ["now", "today", "home", "inbox", "log"], [2, 1, 1, 1, 1]
            return
        self.school = SCHOOLS[n % len(SCHOOLS)]
        people = self.school["personas"]
        self.persona = people[(n // len(SCHOOLS)) % len(people)]
        if n // len(SCHOOLS) >= len(people) and self.persona["kind"] in ("writer", "patroller"):
            # More users than people: a second session of the same person only reads (two
            # autosaving the same draft would conflict, two patrolling would share a round).
            self.persona = {**self.persona, "kind": "reader"}
        actions = ACTIONS[self.persona["kind"]]
        if not set(self.persona["roles"]) & {"leader", "principal", "admin"}:
            actions = {k: v for k, v in actions.items() if k not in LEADERSHIP_ONLY}
        if not self.persona["roles"] or set(self.persona["roles"]) <= {"tech"}:
            actions = {k: v for k, v in actions.items() if k != "visitor"}
        self.actions = [a for a, w in actions.items() if w and hasattr(self, a)]
        self.weights = [actions[a] for a in self.actions]

    def on_start(self):
        super().on_start()
        if self.arriving:
            self.arrive()

    def arrive(self):
        """The shift change: someone of the shift on duty arrives, logs in (above), opens "on
        duty now", checks in, opens the shift's log and looks at the duty board."""
        text = self.now()
        for assignment in set(CHECKIN.findall(text)):
            self.post(f"/roster/checkin/{assignment}/", "check-in", {"next": "/logbook/now/"},
                      expect_location=r"^/logbook/now/$")  # fmt: skip
        logs = set(LOG_LINK.findall(text))
        for shift in set(LOG_OPEN.findall(text)):
            r = self.post(f"/logbook/shifts/{shift}/log/", "log open", {},
                          expect_location=r"^/logbook/logs/\d+/$")  # fmt: skip
            if r is not None:
                logs.add(r.headers["Location"].split("/")[-2])
        for log in sorted(logs)[-1:]:  # the shift's log, opened by whoever came first
            self.page(f"/logbook/logs/{log}/", "/logbook/logs/[id]/")
        self.today()

    @task
    def act(self):
        getattr(self, self.rng.choices(self.actions, self.weights)[0])()


class Shape(LoadTestShape):
    """Ramp to USERS at SPAWN_RATE until all have logged in, hold for STEADY, then add
    SPIKE_USERS arriving people over the first half of the spike; stop at the end."""

    use_common_options = False

    def tick(self):
        current = phase()
        if current in ("ramp", "steady"):
            return USERS, SPAWN_RATE
        if current == "spike":
            rate = max(SPIKE_USERS / max(SPIKE / 2, 1), 0.5)
            return USERS + SPIKE_USERS, rate
        STOPPING.set()
        return None
