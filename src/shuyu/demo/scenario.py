"""The demo scenario for `make demo`: a believable Sichuan authorization, seeded through the services only,
so the ledger holds every object. Past events are replayed on their dates with `clock.frozen`, so the
deadlines the pages show are the ones the rules would have given.

Everything here is synthetic (NATIONAL.md §8): the 统一社会信用代码 carry valid GB 32100 check characters but
belong to no real body; the people are invented.
"""

import datetime as dt
import os
from dataclasses import dataclass

from django.db import transaction

from shuyu.core import clock
from shuyu.core.actors import Actor
from shuyu.core.roles import Role
from shuyu.ledger import services as ledger_services
from shuyu.orgs.models import Organization, Person
from shuyu.orgs.rules import uscc_check_char

DEMO_PASSWORD = "shuyu-demo-2026"


def demo_rows() -> int:
    """Rows per demo resource (SHUYU_DEMO_ROWS, default 2,000: `make demo` stays well under a minute)."""
    return int(os.environ.get("SHUYU_DEMO_ROWS", "2000"))


def synthetic_uscc(prefix: str, region: str, serial: int) -> str:
    """A valid but invented 统一社会信用代码: `prefix` (11 机关, 12 事业单位, 91 企业), region, a serial."""
    body = f"{prefix}{region}DM{serial:07d}"
    return body + uscc_check_char(body)


@dataclass(frozen=True)
class DemoOrg:
    key: str
    name: str
    kind: Role
    region: str
    uscc: str


PLATFORM = "platform"  # 四川省大数据中心, made by bootstrap_admin (the province's implementing agency, R08.1)
ORGS = [
    DemoOrg("gov", "四川省人民政府", Role.GOVERNMENT, "510000", synthetic_uscc("11", "510000", 1)),
    DemoOrg("dataadmin", "四川省数据局", Role.DATA_ADMIN, "510000", synthetic_uscc("11", "510000", 2)),
    DemoOrg("gov_cd", "成都市人民政府", Role.GOVERNMENT, "510100", synthetic_uscc("11", "510100", 3)),
    DemoOrg("dataadmin_cd", "成都市数据局", Role.DATA_ADMIN, "510100", synthetic_uscc("11", "510100", 4)),
    DemoOrg(
        "agency_cd", "成都市大数据中心", Role.IMPLEMENTING_AGENCY, "510100", synthetic_uscc("12", "510100", 5)
    ),
    DemoOrg(
        "tax", "国家税务总局四川省税务局", Role.DATA_SOURCE_UNIT, "510000", synthetic_uscc("11", "510000", 6)
    ),
    DemoOrg(
        "hrss",
        "四川省人力资源和社会保障厅",
        Role.DATA_SOURCE_UNIT,
        "510000",
        synthetic_uscc("11", "510000", 7),
    ),
    DemoOrg(
        "samr", "四川省市场监督管理局", Role.DATA_SOURCE_UNIT, "510000", synthetic_uscc("11", "510000", 8)
    ),
    DemoOrg("nhsa", "四川省医疗保障局", Role.DATA_SOURCE_UNIT, "510000", synthetic_uscc("11", "510000", 9)),
    DemoOrg(
        "court", "四川省高级人民法院", Role.DATA_SOURCE_UNIT, "510000", synthetic_uscc("11", "510000", 13)
    ),
    DemoOrg(
        "utility",
        "成都市公用事业服务中心",
        Role.DATA_SOURCE_UNIT,
        "510100",
        synthetic_uscc("12", "510100", 14),
    ),
    DemoOrg(
        "registrar",
        "四川省公共数据资源登记服务中心",
        Role.REGISTRAR,
        "510000",
        synthetic_uscc("12", "510000", 15),
    ),
    DemoOrg("audit", "四川省审计厅", Role.AUDITOR, "510000", synthetic_uscc("11", "510000", 10)),
    DemoOrg(
        "operator", "四川天府数据运营有限公司", Role.OPERATOR, "510100", synthetic_uscc("91", "510100", 11)
    ),
    DemoOrg(
        "operator2", "成都蜀信数智科技有限公司", Role.OPERATOR, "510100", synthetic_uscc("91", "510100", 12)
    ),
]

# (username, organization key, display name, roles, what the account is for)
PEOPLE = [
    ("agency", PLATFORM, "李晓峰", [Role.IMPLEMENTING_AGENCY], "四川省大数据中心 · 实施机构（省级）"),
    ("agency-cd", "agency_cd", "陈静", [Role.IMPLEMENTING_AGENCY], "成都市大数据中心 · 实施机构（市级）"),
    ("agency-cd2", "agency_cd", "杨帆", [Role.IMPLEMENTING_AGENCY], "成都市大数据中心 · 第二审查人"),
    ("gov", "gov", "王志强", [Role.GOVERNMENT], "四川省人民政府 · 审批实施方案"),
    ("gov-cd", "gov_cd", "刘洋", [Role.GOVERNMENT], "成都市人民政府 · 审批实施方案"),
    ("dataadmin", "dataadmin", "赵敏", [Role.DATA_ADMIN], "四川省数据局 · 接收备案、监管"),
    ("dataadmin-cd", "dataadmin_cd", "周鹏", [Role.DATA_ADMIN], "成都市数据局 · 报送备案"),
    ("tax", "tax", "孙丽", [Role.DATA_SOURCE_UNIT], "省税务局 · 数源单位"),
    ("hrss", "hrss", "吴磊", [Role.DATA_SOURCE_UNIT], "省人社厅 · 数源单位"),
    ("samr", "samr", "郑华", [Role.DATA_SOURCE_UNIT], "省市场监管局 · 数源单位"),
    ("nhsa", "nhsa", "黄蓉", [Role.DATA_SOURCE_UNIT], "省医保局 · 数源单位"),
    ("court", "court", "罗文", [Role.DATA_SOURCE_UNIT], "省高级人民法院 · 数源单位"),
    ("utility", "utility", "谢婷", [Role.DATA_SOURCE_UNIT], "成都市公用事业服务中心 · 数源单位"),
    ("registrar", "registrar", "韩雪", [Role.REGISTRAR], "省公共数据资源登记服务中心 · 登记机构"),
    ("operator", "operator", "何俊", [Role.OPERATOR], "四川天府数据运营有限公司 · 运营机构"),
    ("operator2", "operator2", "林峰", [Role.OPERATOR], "成都蜀信数智科技有限公司 · 候选运营机构"),
    ("auditor", "audit", "马骏", [Role.AUDITOR], "四川省审计厅 · 只读审计"),
]

ACCOUNTS = [("admin", DEMO_PASSWORD, "平台管理员 / platform administrator")] + [
    (username, DEMO_PASSWORD, what) for username, _org, _name, _roles, what in PEOPLE
]

ORGS_CREATED_ON = dt.date(2025, 6, 3)
DESIGNATED_ON = dt.date(2025, 7, 15)  # 成都市人民政府确定成都市大数据中心为本级实施机构 (R08.1)
DESIGNATION_FILED_ON = dt.date(2025, 7, 22)
# Resources are catalogued, graded, loaded and registered from here on (registration takes about seven
# weeks of 受理, 形式审核 and 公示, N-REG.*), so their codes exist before the first plan is drafted.
RESOURCES_ON = dt.date(2025, 6, 16)

# The Chengdu plan's life, replayed on believable dates: approved on 2025-09-26, so its filing falls due on
# 2025-10-16 across the National Day holiday (R13.2); filed on 2025-10-15; the agreement is signed
# 2025-11-20 and filed within its 10 working days (R15.1), in force from 2025-12-01 for three years.
PLAN_DRAFTED_ON = dt.date(2025, 8, 18)
PLAN_SUBMITTED_ON = dt.date(2025, 9, 10)
PLAN_APPROVED_ON = dt.date(2025, 9, 26)
PLAN_FILED_ON = dt.date(2025, 10, 15)
SELECTION_STARTED_ON = dt.date(2025, 10, 20)
CONSULTED_ON = dt.date(2025, 10, 22)
SELECTION_OPENED_ON = dt.date(2025, 10, 27)
SELECTION_DECIDED_ON = dt.date(2025, 11, 10)
AGREEMENT_DRAFTED_ON = dt.date(2025, 11, 12)
AGREEMENT_REVIEWED_ON = dt.date(2025, 11, 18)
AGREEMENT_SIGNED_ON = dt.date(2025, 11, 20)
AGREEMENT_FILED_ON = dt.date(2025, 11, 27)
AGREEMENT_STARTS_ON = dt.date(2025, 12, 1)
AGREEMENT_ENDS_ON = dt.date(2028, 11, 30)

OPERATOR_CONDITIONS = {
    "funds": "注册资本不低于5000万元，近三年财务状况良好，无重大债务纠纷",
    "management": "建立数据安全管理、运营管理和内部审计制度，设专职数据安全负责人",
    "technology": "具备数据治理、隐私计算、模型开发能力，有不少于30人的技术团队",
    "service": "具有政务或金融数据服务案例，提供7×24小时运维服务",
    "security": "通过网络安全等级保护三级测评和数据安全管理认证",
}
FEASIBILITY = {
    "lifecycle_management": "依托安全可控开发利用环境，提供归集、治理、加工、交付、销毁全生命周期管理服务",
    "social_demand": "小微企业融资难、信用信息不对称，银行机构对纳税、社保、参保数据核验需求迫切",
    "market_size": "成都市小微企业逾60万户，预计年核验调用量800万次",
    "expected_results": "缩短小微企业贷款审批时间，扩大首贷户覆盖面，不新增企业负担",
    "risk_prevention": "原始数据不出域、数据可用不可见；输出审核、调用留痕、应急预案和定期演练",
}


class Demo:
    """Handles on the seeded scenario: organizations by key, actors by username, what was made."""

    def __init__(self) -> None:
        self.orgs: dict[str, Organization] = {}
        self.actors: dict[str, Actor] = {}
        self.resources: dict = {}  # catalog demo key → DataResource
        self.agreement = None


def _seed_orgs_and_people(demo: Demo) -> None:
    from shuyu.orgs import services as orgs
    from shuyu.orgs.selectors import actor_for_person

    with clock.frozen(ORGS_CREATED_ON):
        admin_person = orgs.bootstrap_admin(username="admin", password=DEMO_PASSWORD)
        admin = actor_for_person(admin_person)
        demo.actors["admin"] = admin
        demo.orgs[PLATFORM] = admin_person.organization
        for o in ORGS:
            demo.orgs[o.key] = orgs.create_organization(
                admin, uscc=o.uscc, name=o.name, kind=o.kind, region_code=o.region
            )
        for username, org_key, display_name, roles, _what in PEOPLE:
            person = orgs.create_person(
                admin,
                username=username,
                password=DEMO_PASSWORD,
                display_name=display_name,
                org_id=demo.orgs[org_key].pk,
                roles=roles,
            )
            demo.actors[username] = actor_for_person(person)


def _products(agreement: bool = False):
    from shuyu.authorization import rules

    extra = (
        {
            "technical_standard": "接口规范V1.0",
            "security_review": "输出审核与小单元抑制",
            "business_review": "用途合规审查",
        }
        if agreement
        else {}
    )
    return (
        rules.ProductItem(
            name="小微企业纳税社保核验服务",
            product_class=rules.ProductClass.PUBLIC_GOVERNANCE,
            form=rules.ProductForm.API_SERVICE,
            description="为政策性担保和惠企政策兑现提供核验",
            **extra,
        ),
        rules.ProductItem(
            name="普惠金融信用评估模型",
            product_class=rules.ProductClass.INDUSTRY_DEVELOPMENT,
            form=rules.ProductForm.MODEL,
            description="供银行机构在环境内调用的信用评分",
            **extra,
        ),
    )


def _plan_draft(name: str, resource_ids, **over):
    from shuyu.authorization.services import PlanDraft

    values = dict(
        name=name,
        necessity="落实数据要素市场化配置改革，释放公共数据价值，服务实体经济和普惠金融",
        feasibility=FEASIBILITY,
        operator_conditions=OPERATOR_CONDITIONS,
        mode="whole",
        scenario="",
        resource_ids=tuple(resource_ids),
        update_frequency="纳税、社保数据按月更新；市场主体登记数据按日更新",
        data_quality="完整率不低于98%，经数源单位质量校核",
        term_years=3,
        construction="在省公共数据授权运营平台部署安全可控开发利用环境和监管平台",
        technical_support="省一体化政务数据平台、隐私计算节点、输出审核网关",
        schedule="2025年10月完成运营机构选择，11月签订协议，12月上线首批产品",
        evaluation_standard="按年度开展运营成效评价：服务量、合规性、社会效益",
        exit_mechanism="评价不合格或严重违约的，终止授权并收回数据使用权限",
        asset_management="环境软硬件归实施机构所有；运营机构开发的产品按协议确权",
        products=_products(),
        accounting_mechanism="运营机构对授权运营业务单独建账、单独核算",
        revenue_distribution="按“谁贡献、谁受益”原则，向数源单位反馈数据治理经费",
        data_security="分类分级保护，重要数据不出环境，操作全程留痕",
        personal_info_protection="去标识化处理，最小必要，个人授权查询",
        emergency_response="制定数据安全事件应急预案，每半年演练一次",
        rights_obligations="实施机构负责环境与监管，运营机构负责开发运营并承担安全责任",
        supervision_evaluation="市数据局日常监管，第三方机构年度评估",
        other_matters="本方案未尽事宜按《四川省公共数据资源授权运营实施细则》执行",
        priority_fields=("livelihood", "industry_potential"),
    )
    values.update(over)
    return PlanDraft(**values)


def _agreement_draft(version):
    from shuyu.authorization.services import AgreementDraft

    return AgreementDraft(
        title="成都市公共数据授权运营协议（普惠金融）",
        resource_ids=tuple(version.resource_ids),
        starts_on=AGREEMENT_STARTS_ON,
        ends_on=AGREEMENT_ENDS_ON,
        products=_products(agreement=True),
        technical_platform="省公共数据授权运营平台（成都节点）安全可控开发利用环境",
        asset_ownership="环境软硬件归实施机构；运营机构开发的数据产品经登记后归运营机构",
        disclosure_duties="每年3月底前披露上一年度授权运营情况、产品服务能力清单和价格",
        accounting_revenue="单独核算成本收入，按贡献向数源单位分配收益",
        security_measures="分类分级保护、风险监测、个人信息保护、应急处置与演练",
        evaluation_renewal_exit="年度运营成效评价；期满评价合格的可续约，不合格的退出",
        liability="违反协议或数据安全要求的，承担违约责任并依法追责",
        dispute_resolution="协商不成的，提交成都仲裁委员会仲裁",
        change_termination="重大变更须书面协议并重新备案；严重违约的可提前终止",
        other_matters="运营机构不得直接或间接参与其交付产品的再开发",
        no_redevelopment_clause=True,
        mode=version.mode,
        scenario=version.scenario,
    )


def _seed_designation(demo: Demo) -> None:
    from shuyu.authorization import services

    with clock.frozen(DESIGNATED_ON):
        d = services.designate_agency(
            demo.actors["gov-cd"],
            agency_org_id=demo.orgs["agency_cd"].pk,
            decision_ref="成府函〔2025〕46号",
            designated_on=DESIGNATED_ON,
        )
    with clock.frozen(DESIGNATION_FILED_ON):
        services.file_designation(demo.actors["dataadmin"], designation_id=d.pk)


# The catalog demo's resource keys → the demo accounts of the units that provide them.
PROVIDERS = {
    "market": "samr",
    "tax": "tax",
    "hrss": "hrss",
    "medical": "nhsa",
    "utility": "utility",
    "court": "court",
}


def _seed_resources(demo: Demo) -> None:
    """The catalog's demo resources: created, graded, loaded and registered by their source units."""
    from shuyu.catalog.demo import seed_resources

    demo.resources = seed_resources(
        actor_by_provider={key: demo.actors[username] for key, username in PROVIDERS.items()},
        agency=demo.actors["agency"],
        registrar=demo.actors["registrar"],
        data_admin=demo.actors["dataadmin"],
        rows=demo_rows(),
        start=RESOURCES_ON,
    )


def _ids(demo: Demo, *keys: str) -> list[int]:
    return [demo.resources[k].pk for k in keys]


def _seed_chengdu_authorization(demo: Demo, resource_ids: list[int]) -> None:
    """The whole Chengdu path: plan → approval → filing → selection → agreement → filing → in force."""
    from shuyu.authorization import rules, services

    agency, gov, city_admin = demo.actors["agency-cd"], demo.actors["gov-cd"], demo.actors["dataadmin-cd"]
    with clock.frozen(PLAN_DRAFTED_ON):
        version = services.create_plan(
            agency, draft=_plan_draft("成都市公共数据授权运营（普惠金融）", resource_ids)
        )
    with clock.frozen(PLAN_SUBMITTED_ON):
        services.submit_plan(agency, version_id=version.pk)
    with clock.frozen(PLAN_APPROVED_ON):
        services.approve_plan(
            gov,
            version_id=version.pk,
            meeting="成都市人民政府2025年第21次常务会议",
            decision_ref="成府常〔2025〕21号纪要",
            meeting_on=PLAN_APPROVED_ON,
        )
    with clock.frozen(PLAN_FILED_ON):
        services.file_plan(city_admin, version_id=version.pk)
    with clock.frozen(SELECTION_STARTED_ON):
        selection = services.start_selection(
            agency,
            plan_id=version.plan_id,
            method=rules.SelectionMethod.NEGOTIATION,
            title="成都市普惠金融数据运营机构竞争性谈判",
        )
    with clock.frozen(CONSULTED_ON):
        services.record_consultation(
            agency,
            selection_id=selection.pk,
            parties="省税务局、省人社厅、省市场监管局、成都市数据局",
            consulted_on=CONSULTED_ON,
            comments="建议明确收益分配比例和输出审核要求",
            response="已采纳，写入协议第七项和第三项",
        )
    with clock.frozen(SELECTION_OPENED_ON):
        services.open_selection(agency, selection_id=selection.pk)
        scores = {"operator": (92, "技术方案完整，安全能力突出"), "operator2": (85, "服务案例较少")}
        candidates = {}
        for key, (score, notes) in scores.items():
            c = services.add_candidate(
                agency,
                selection_id=selection.pk,
                operator_org_id=demo.orgs[key].pk,
                conditions_met=dict.fromkeys(rules.OPERATOR_CONDITION_KEYS, True),
                data_security_compliant=True,
                evidence="营业执照、等保三级测评报告、财务审计报告",
            )
            services.score_candidate(agency, candidate_id=c.pk, score=score, notes=notes)
            candidates[key] = c
    with clock.frozen(SELECTION_DECIDED_ON):
        services.decide_selection(
            agency,
            selection_id=selection.pk,
            winner_candidate_id=candidates["operator"].pk,
            decision_ref="成数中谈〔2025〕3号结果公告",
            decided_on=SELECTION_DECIDED_ON,
        )
    version.refresh_from_db()
    with clock.frozen(AGREEMENT_DRAFTED_ON):
        agreement = services.create_agreement(
            agency, selection_id=selection.pk, draft=_agreement_draft(version)
        )
    with clock.frozen(AGREEMENT_SIGNED_ON):
        services.sign_agreement(
            agency,
            agreement_id=agreement.pk,
            review_meeting="成都市大数据中心2025年第9次党委会",
            review_decision_ref="成数中党〔2025〕9号",
            reviewed_on=AGREEMENT_REVIEWED_ON,
            signed_on=AGREEMENT_SIGNED_ON,
        )
    with clock.frozen(AGREEMENT_FILED_ON):
        services.file_agreement(agency, agreement_id=agreement.pk)
    with clock.frozen(AGREEMENT_STARTS_ON):
        services.activate_agreement(agency, agreement_id=agreement.pk)
    demo.agreement = agreement


PROVINCIAL = {
    "feasibility": FEASIBILITY
    | {
        "social_demand": "商业健康保险精算定价、医药研发和基层医疗服务对医保结算数据的统计分析需求迫切",
        "market_size": "全省参保人数逾8000万，预计年服务商业保险、医药企业200家以上",
    },
    "schedule": "方案审议通过后三个月内完成运营机构选择，六个月内上线首批产品",
    "supervision_evaluation": "省数据局日常监管，第三方机构年度评估",
}


def _seed_provincial_plans(demo: Demo) -> None:
    """Work in progress, relative to today: a provincial plan approved a few working days ago and not yet
    filed (an open deadline, R13.2), one submitted and awaiting the government (R13.1), and a Chengdu plan
    whose filing is overdue (flagged, R13.2)."""
    from shuyu.authorization import services
    from shuyu.core.calendar import add_workdays
    from shuyu.core.errors import DomainError

    agency, gov = demo.actors["agency"], demo.actors["gov"]
    today = clock.today()
    try:
        approved_on = _working_days_before(today, 3)
        overdue_approved_on = _working_days_before(today, 25)
        add_workdays(approved_on, 10)  # the filing deadlines must be computable (N-CAL.1)
        add_workdays(overdue_approved_on, 10)
    except DomainError:
        return  # this year's holiday schedule is not loaded yet: seed only the dated Chengdu history
    with clock.frozen(approved_on - dt.timedelta(days=14)):
        v = services.create_plan(
            agency,
            draft=_plan_draft(
                "四川省公共数据授权运营（医疗保障服务）", _ids(demo, "medical", "hrss"), **PROVINCIAL
            ),
        )
    with clock.frozen(approved_on - dt.timedelta(days=7)):
        services.submit_plan(agency, version_id=v.pk)
    with clock.frozen(approved_on):
        services.approve_plan(
            gov,
            version_id=v.pk,
            meeting=f"四川省人民政府{approved_on.year}年常务会议",
            decision_ref=f"川府常〔{approved_on.year}〕{approved_on.month}号纪要",
            meeting_on=approved_on,
        )
    with clock.frozen(today - dt.timedelta(days=2)):
        v2 = services.create_plan(
            agency,
            draft=_plan_draft(
                "四川省公共数据授权运营（市场主体服务）", _ids(demo, "market", "court"), **PROVINCIAL
            ),
        )
        services.submit_plan(agency, version_id=v2.pk)
    _seed_overdue_city_plan(demo, overdue_approved_on)


def _seed_overdue_city_plan(demo: Demo, approved_on: dt.date) -> None:
    from shuyu.authorization import services

    agency, gov = demo.actors["agency-cd"], demo.actors["gov-cd"]
    draft = _plan_draft(
        "成都市公共数据授权运营（城市生活服务）",
        _ids(demo, "utility", "market"),
        mode="scenario",
        scenario="水电气缴费信用核验",
        schedule="方案审议通过后两个月内完成运营机构选择",
    )
    with clock.frozen(approved_on - dt.timedelta(days=21)):
        v = services.create_plan(agency, draft=draft)
    with clock.frozen(approved_on - dt.timedelta(days=10)):
        services.submit_plan(agency, version_id=v.pk)
    with clock.frozen(approved_on):
        services.approve_plan(
            gov,
            version_id=v.pk,
            meeting=f"成都市人民政府{approved_on.year}年常务会议",
            decision_ref=f"成府常〔{approved_on.year}〕{approved_on.month + 20}号纪要",
            meeting_on=approved_on,
        )


def _working_days_before(day: dt.date, n: int) -> dt.date:
    from shuyu.core.calendar import is_workday

    counted = 0
    while counted < n:
        day -= dt.timedelta(days=1)
        if is_workday(day):
            counted += 1
    return day


def _seed_workspace(demo: Demo) -> None:
    """The operator's workspace on its active agreement: mock data outside, real data only in the jail."""
    from shuyu.sandbox import services as sandbox_services

    sandbox_services.create_workspace(
        demo.actors["operator"], agreement_id=demo.agreement.pk, name="普惠金融信用评价模型开发"
    )


def seed() -> bool:
    """Seed once; return False when the demo is already there."""
    if Person.objects.filter(user__username="admin").exists():
        return False
    demo = Demo()
    with transaction.atomic():
        _seed_orgs_and_people(demo)
        _seed_designation(demo)
        _seed_resources(demo)
        _seed_chengdu_authorization(demo, _ids(demo, "market", "tax", "hrss"))
        _seed_provincial_plans(demo)
        _seed_workspace(demo)
        # A signed checkpoint over everything above, shown on the public page (R18.1 可取证).
        ledger_services.sign_checkpoint(demo.actors["admin"])
    return True
