"""Rows and states for the authorization tests. Rows come from factories; states from services."""

import datetime as dt
import itertools

from shuyu.catalog.models import DataResource
from shuyu.core import clock
from shuyu.core.actors import Actor

from .. import rules, services
from ..models import Agreement, PlanVersion, Selection

_codes = itertools.count(1)

FULL_CONDITIONS = {
    "funds": "注册资本不低于5000万元，近三年财务状况良好",
    "management": "建立数据安全管理制度和运营管理组织",
    "technology": "具备数据治理、隐私计算和模型开发能力",
    "service": "具有政务数据服务案例",
    "security": "通过网络安全等级保护三级测评",
}
FULL_FEASIBILITY = {
    "lifecycle_management": "归集、治理、加工、交付全生命周期管理",
    "social_demand": "普惠金融与社保核验需求旺盛",
    "market_size": "预计年服务调用量1000万次",
    "expected_results": "降低小微企业融资成本",
    "risk_prevention": "可用不可见、输出审核、应急预案",
}
PRODUCTS = (
    rules.ProductItem(name="社保缴纳核验", product_class="public_governance", form="api_service"),
    rules.ProductItem(name="小微企业信用评分", product_class="industry_development", form="model"),
)


def resource(provider: Actor, *, level: str = "general", **flags) -> DataResource:
    """A catalogued resource of `provider`, graded `level` ("" = not graded)."""
    n = next(_codes)
    graded = bool(level)
    return DataResource.objects.create(
        code=f"T-RES-{n:05d}",
        name=flags.pop("name", f"测试资源{n}"),
        provider_id=provider.org_id,
        region_id=provider.region_code,
        grading_level=level,
        graded_at=clock.now() if graded else None,
        graded_by_person_id=provider.person_id if graded else None,
        created_at=clock.now(),
        **flags,
    )


def plan_draft(resource_ids, **over) -> services.PlanDraft:
    values = dict(
        name="四川省公共数据授权运营（金融服务）",
        necessity="服务实体经济与普惠金融",
        feasibility=FULL_FEASIBILITY,
        operator_conditions=FULL_CONDITIONS,
        mode="whole",
        scenario="",
        resource_ids=tuple(resource_ids),
        update_frequency="每日更新",
        data_quality="完整率99%",
        term_years=5,
        construction="建设安全可控开发利用环境",
        technical_support="省一体化数据平台",
        schedule="2026年上半年完成遴选",
        evaluation_standard="年度运营评价",
        exit_mechanism="评价不合格的退出",
        asset_management="软硬件归实施机构",
        products=PRODUCTS,
        accounting_mechanism="单独核算",
        revenue_distribution="谁贡献、谁受益",
        data_security="数据分类分级保护",
        personal_info_protection="去标识化与最小必要",
        emergency_response="应急预案与演练",
        rights_obligations="见附件",
        supervision_evaluation="数据管理部门监督",
        other_matters="无",
    )
    values.update(over)
    return services.PlanDraft(**values)


def approved_plan(
    agency: Actor, government: Actor, resource_ids, *, meeting_on: dt.date | None = None, **over
) -> PlanVersion:
    v = services.create_plan(agency, draft=plan_draft(resource_ids, **over))
    services.submit_plan(agency, version_id=v.pk)
    return services.approve_plan(
        government,
        version_id=v.pk,
        meeting="省政府第12次常务会议",
        decision_ref="川府常〔2026〕12号纪要",
        meeting_on=meeting_on or clock.today(),
    )


def decided_selection(
    agency: Actor, version: PlanVersion, operators: list[Actor], *, method="negotiation"
) -> Selection:
    s = services.start_selection(agency, plan_id=version.plan_id, method=method, title="运营机构谈判")
    services.record_consultation(
        agency,
        selection_id=s.pk,
        parties="数源单位、数据管理部门",
        consulted_on=clock.today(),
        comments="同意",
    )
    services.open_selection(agency, selection_id=s.pk)
    candidates = []
    for i, op in enumerate(operators):
        c = services.add_candidate(
            agency,
            selection_id=s.pk,
            operator_org_id=op.org_id,
            conditions_met=dict.fromkeys(rules.OPERATOR_CONDITION_KEYS, True),
            data_security_compliant=True,
        )
        services.score_candidate(agency, candidate_id=c.pk, score=90 - i * 5)
        candidates.append(c)
    return services.decide_selection(
        agency, selection_id=s.pk, winner_candidate_id=candidates[0].pk, decision_ref="遴选结果公告2026-1"
    )


def agreement_draft(version: PlanVersion, **over) -> services.AgreementDraft:
    start = over.pop("starts_on", clock.today())
    values = dict(
        title="四川省公共数据授权运营协议（金融服务）",
        resource_ids=tuple(version.resource_ids),
        starts_on=start,
        ends_on=rules.add_years(start, 3),
        products=tuple(
            rules.ProductItem(
                name=p.name,
                product_class=p.product_class,
                form=p.form,
                technical_standard="接口规范V1",
                security_review="输出审核",
                business_review="合规审查",
            )
            for p in PRODUCTS
        ),
        technical_platform="省公共数据授权运营平台",
        asset_ownership="软硬件归实施机构，产品归运营机构",
        disclosure_duties="每年3月底前披露",
        accounting_revenue="单独核算，按贡献分配",
        security_measures="分类分级、风险监测、应急处置",
        evaluation_renewal_exit="年度评价，不合格退出",
        liability="违约赔偿",
        dispute_resolution="成都仲裁委员会",
        change_termination="重大变更须书面协议",
        other_matters="无",
        no_redevelopment_clause=True,
        mode=version.mode,
        scenario=version.scenario,
    )
    values.update(over)
    return services.AgreementDraft(**values)


def signed_agreement(agency: Actor, version: PlanVersion, selection: Selection, **over) -> Agreement:
    a = services.create_agreement(agency, selection_id=selection.pk, draft=agreement_draft(version, **over))
    return services.sign_agreement(
        agency,
        agreement_id=a.pk,
        review_meeting="中心党委会2026年第3次会议",
        review_decision_ref="川数中〔2026〕3号",
        reviewed_on=clock.today(),
    )
