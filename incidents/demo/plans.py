"""Demo data: emergency plans for the main categories and two drills (see
incidents/demo/__init__.py). Steps follow a school 应急预案: 发现报告, 启动预案, 疏散, 救治,
报告上级, 善后. Idempotent: a plan or drill that exists is left alone."""

from __future__ import annotations

from datetime import datetime, timedelta

from incidents.categories import Category
from incidents.models import Drill, EmergencyPlan
from incidents.services.plans import StepInput, create_plan, publish_plan_version, record_drill
from staff.demo import demo_now, local_today
from staff.models import Role, Staff
from staff.queries import actor_for

CONTACTS = (
    "火警 119 · 急救 120 · 报警 110\n"
    "校长室 0571-88880001 · 值班室 0571-88880000\n"
    "区教育局安全科 0571-88886000"
)

PLANS = [
    (
        Category.ACCIDENT,
        "fire",
        "校园火灾事故应急预案",
        [
            ("发现火情立即呼喊报警，拨打 119，报告值班领导", Role.TEACHER, 1),
            ("值班领导到场确认，宣布启动预案，切断电源、燃气", Role.LEADER, 3),
            ("班主任按疏散路线组织学生弯腰捂鼻撤离到操场", Role.TEACHER, 5),
            ("保安打开校门、清理消防通道，引导消防车进校", Role.GUARD, 5),
            ("各班清点人数，报告缺失学生，受伤学生送医救治", Role.TEACHER, 10),
            ("校长 30 分钟内书面报告区教育局", Role.PRINCIPAL, 30),
            ("保护现场，配合调查，通知家长，做好善后", Role.LEADER, None),
        ],
    ),
    (
        Category.NATURAL,
        "earthquake",
        "地震灾害应急预案",
        [
            ("震时就近躲避：课桌下抱头，远离窗户", Role.TEACHER, 1),
            ("主震过后值班领导宣布启动预案，发出疏散指令", Role.LEADER, 2),
            ("按楼层分区有序疏散到操场空旷处，不乘电梯", Role.TEACHER, 5),
            ("清点人数，组织急救，危重伤员拨打 120", Role.TEACHER, 10),
            ("报告区教育局和属地政府，等待统一指挥", Role.PRINCIPAL, 20),
            ("排查校舍安全，未经鉴定不得返回教室；安抚学生、联系家长", Role.LEADER, None),
        ],
    ),
    (
        Category.HEALTH,
        "food",
        "食物中毒事件应急预案",
        [
            ("发现学生呕吐、腹痛等症状立即报告值班领导和校医", Role.TEACHER, 2),
            ("立即停止供应可疑食品，封存食品留样和加工现场", Role.LEADER, 10),
            ("拨打 120 送医救治，安排教师陪同，登记患病人数", Role.LEADER, 15),
            ("2 小时内报告区教育局和市场监管、卫生健康部门", Role.PRINCIPAL, 120),
            ("配合疾控采样调查，通知家长，做好情绪安抚", Role.ADMIN, None),
            ("整改食堂管理，复课前全面消毒检查", Role.ADMIN, None),
        ],
    ),
    (
        Category.SECURITY,
        "intruder",
        "陌生人闯入校园应急预案",
        [
            ("保安发现可疑人员立即拦截盘问，按一键报警并报告值班领导", Role.GUARD, 1),
            ("值班领导启动预案，拨打 110，组织护校队携防暴器械到场", Role.LEADER, 3),
            ("广播通知各班关闭门窗，学生留在教室，教师守护门口", Role.TEACHER, 3),
            ("控制并隔离闯入者，等待警方处置，不与其正面冲突", Role.GUARD, None),
            ("清点学生，检查有无受伤，伤者送医救治", Role.TEACHER, 10),
            ("报告区教育局，调取监控配合公安调查，排查门卫制度漏洞", Role.PRINCIPAL, 30),
        ],
    ),
    (
        Category.ACCIDENT,
        "injury",
        "学生意外伤害事故应急预案",
        [
            ("发现学生受伤立即到场，初步判断伤情，报告值班领导和校医", Role.TEACHER, 1),
            ("校医现场急救，伤情较重立即拨打 120", Role.TEACHER, 5),
            ("班主任第一时间通知家长，教师陪同送医", Role.TEACHER, 15),
            ("值班领导了解经过，保护现场，收集监控和证人证言", Role.LEADER, 30),
            ("较重伤害当日报告区教育局", Role.PRINCIPAL, None),
            ("做好家长沟通和保险理赔，开展安全教育", Role.ADMIN, None),
        ],
    ),
]

DRILLS = [
    (
        40,
        Category.NATURAL,
        "earthquake",
        "全校地震应急疏散演练",
        18,
        "二楼东侧楼梯口拥堵约 40 秒；两名学生未捂口鼻",
        "东西两楼梯分班错峰疏散；班主任课前再讲一次要领",
    ),
    (
        75,
        Category.ACCIDENT,
        "fire",
        "食堂火灾疏散与灭火器使用演练",
        30,
        "炊事员灭火器使用熟练；一处应急照明不亮",
        "更换应急照明；每学期培训新入职炊事员",
    ),
]


def _office(school):
    staff = Staff.objects.filter(school=school, active=True, roles__role=Role.ADMIN)
    staff = staff.exclude(user=None).order_by("pk").first()
    return actor_for(staff.user) if staff else None


def seed(school, *, now: datetime | None = None) -> list[str]:
    actor = _office(school)
    if actor is None:
        return []
    now = demo_now(now)
    made = []
    for category, sub, title, steps in PLANS:
        if EmergencyPlan.objects.filter(school=school, category=category, subcategory=sub).exists():
            continue
        plan = create_plan(
            school=school,
            category=category,
            subcategory=sub,
            title=title,
            contacts=CONTACTS,
            steps=[StepInput(text=t, role=r, minutes=m) for t, r, m in steps],
            actor=actor,
            now=now - timedelta(days=400),
        )
        if sub == "fire":  # a revised plan shows versioning: old incidents keep version 1
            publish_plan_version(
                plan=plan,
                title=f"{title}（2026 修订）",
                contacts=CONTACTS,
                actor=actor,
                steps=[StepInput(text=t, role=r, minutes=m) for t, r, m in steps]
                + [StepInput(text="复盘总结，一周内完成整改", role=Role.PRINCIPAL)],
                now=now - timedelta(days=20),
            )
        made.append(title)
    made += _drills(school, actor, now)
    return [f"emergency plans: {', '.join(made)}"] if made else []


def _drills(school, actor, now) -> list[str]:
    people = list(Staff.objects.filter(school=school, active=True).order_by("pk")[:12])
    made = []
    for days, category, sub, scenario, minutes, findings, improvements in DRILLS:
        if Drill.objects.filter(school=school, scenario=scenario).exists():
            continue
        plan = EmergencyPlan.objects.filter(school=school, category=category, subcategory=sub)
        version = plan.first().versions.order_by("-number").first() if plan.exists() else None
        record_drill(
            school=school,
            held_on=local_today(school, now) - timedelta(days=days),
            category=category,
            scenario=scenario,
            plan_version=version,
            participants=people,
            duration_minutes=minutes,
            findings=findings,
            improvements=improvements,
            actor=actor,
        )
        made.append(scenario)
    return made
