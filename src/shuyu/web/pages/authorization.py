"""Pages for the authorization workflow (第八条–第十六条): the implementing agency's workspace, the
government's approvals, the data administration's filings, selections and agreements.

Each view reads through `authorization.selectors` (filtered by what the actor may see) or calls exactly one
service; refusals (`DomainError`) are shown with their article, in Chinese and English.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from shuyu.authorization import rules, selectors
from shuyu.catalog import selectors as catalog_selectors
from shuyu.core import clock
from shuyu.core.errors import DomainError
from shuyu.core.permissions import Perm, can

from .authorization_forms import (
    agreement_form_context,
    agreement_form_initial,
    agreement_items,
    parse_agreement_draft,
    parse_approval,
    parse_date,
    parse_plan_draft,
    parse_score,
    plan_form_context,
    plan_items,
    version_as_form,
)


def _refused(request, template: str, context: dict, error: DomainError):
    """Re-render a form with the refusal (its article, both messages) and what the person typed."""
    return render(request, template, {**context, "error": error}, status=error.status)


def _plan_rows(actor, plans) -> list[dict]:
    rows = []
    for plan in plans:
        latest = selectors.latest_version(plan)
        if latest is None:
            continue
        rows.append({"plan": plan, "version": latest, "status": selectors.plan_status(latest)})
    return rows


# --- workspace ---------------------------------------------------------------------------------------------


@login_required
def dashboard(request):
    """The implementing agency's workspace: deadlines first (R13.2, R15.1), then plans and agreements."""
    actor = request.actor
    deadlines = selectors.deadlines_for(actor)
    plans = _plan_rows(actor, selectors.plans_visible_to(actor)[:20])
    agreements = list(selectors.agreements_visible_to(actor)[:20])
    context = {
        "deadlines": deadlines,
        "overdue": sum(1 for d in deadlines if d.overdue),
        "plans": plans,
        "agreements": agreements,
        "active_agreements": sum(1 for a in agreements if a.status in rules.AGREEMENT_IN_FORCE),
        "today": clock.today(),
        "may_create_plan": can(actor, Perm.AUTHORIZATION_PLAN_CREATE),
        "registration_deadlines": catalog_selectors.registration_deadlines(actor),  # N-REG.9/10/13–15
    }
    return render(request, "web/authorization/dashboard.html", context)


# --- plans ---------------------------------------------------------------------------------------------------


def _plan_list(request, *, title: str, title_en: str, **version_filter):
    """Plans the actor may see; `version_filter` narrows them in the query (never after fetching)."""
    actor = request.actor
    plans = selectors.plans_visible_to(actor)
    if version_filter:
        plans = plans.filter(**{f"versions__{k}": v for k, v in version_filter.items()}).distinct()
    context = {
        "rows": _plan_rows(actor, plans),
        "title": title,
        "title_en": title_en,
        "may_create_plan": can(actor, Perm.AUTHORIZATION_PLAN_CREATE),
    }
    return render(request, "web/authorization/plan_list.html", context)


@login_required
def plan_list(request):
    return _plan_list(request, title="实施方案", title_en="Implementation plans")


@login_required
def approvals(request):
    """Plans awaiting the same-level government's 三重一大 decision (R13.1)."""
    return _plan_list(
        request,
        title="待审议的实施方案",
        title_en="Plans awaiting approval",
        status=rules.PlanStatus.SUBMITTED,
    )


@login_required
def filings(request):
    """Approved plans and their filing deadlines (R13.2), and agreements to be filed (R15.1)."""
    actor = request.actor
    deadlines = selectors.deadlines_for(actor, include_filed=True)
    may_file = can(actor, Perm.AUTHORIZATION_PLAN_FILE)
    context = {
        "deadlines": deadlines,
        "today": clock.today(),
        # R13.2: the plan's own city (or the province for provincial plans) files it; offer the act only there.
        "fileable": {
            d.subject_id
            for d in deadlines
            if may_file
            and d.kind == "plan_filing"
            and d.filed_on is None
            and _passes(
                rules.check_plan_filer, filer_region=actor.region_code or "", plan_region=d.region_code
            )
        },
    }
    return render(request, "web/authorization/filings.html", context)


def _passes(check, **kwargs) -> bool:
    try:
        check(**kwargs)
    except DomainError:
        return False
    return True


def _plan_context(actor, plan_id: int, wanted_version: str | None = None) -> dict:
    plan = selectors.get_plan_for(actor, plan_id)
    versions = selectors.plan_versions(actor, plan_id)
    shown = versions[-1]
    if wanted_version and wanted_version.isdigit():
        shown = next((v for v in versions if v.number == int(wanted_version)), shown)
    editable = shown.status in rules.EDITABLE_PLAN_STATUSES
    return {
        "plan": plan,
        "versions": [(v, selectors.plan_status(v)) for v in versions],
        "version": shown,
        "status": selectors.plan_status(shown),
        "items": plan_items(shown),
        "may_submit": editable and can(actor, Perm.AUTHORIZATION_PLAN_SUBMIT),
        "may_select": shown.status == rules.PlanStatus.APPROVED
        and can(actor, Perm.AUTHORIZATION_SELECTION_MANAGE, org_id=plan.agency_id),
        "selection_methods": [(m.value, rules.SELECTION_METHOD_LABELS[m]) for m in rules.SelectionMethod],
        "may_edit": editable and can(actor, Perm.AUTHORIZATION_PLAN_CREATE, org_id=plan.agency_id),
        "may_approve": shown.status == rules.PlanStatus.SUBMITTED
        and can(actor, Perm.AUTHORIZATION_PLAN_APPROVE),
        "may_file": (
            shown.status == rules.PlanStatus.APPROVED
            and shown.filed_on is None
            and can(actor, Perm.AUTHORIZATION_PLAN_FILE)
            and _passes(
                rules.check_plan_filer, filer_region=actor.region_code or "", plan_region=plan.region_id
            )
        ),
        "agreements": list(selectors.agreements_visible_to(actor).filter(plan=plan)),
        "selections": list(selectors.selections_visible_to(actor).filter(plan=plan)),
    }


@login_required
def plan_detail(request, plan_id: int):
    context = _plan_context(request.actor, plan_id, request.GET.get("version"))
    return render(request, "web/authorization/plan_detail.html", context)


@login_required
def plan_create(request):
    from shuyu.authorization import services

    actor = request.actor
    template = "web/authorization/plan_form.html"
    if request.method != "POST":
        return render(request, template, plan_form_context(actor, request.POST))
    context = plan_form_context(actor, request.POST)
    try:
        draft = parse_plan_draft(request.POST)
        version = services.create_plan(actor, draft=draft)
    except DomainError as e:
        return _refused(request, template, context, e)
    messages.success(request, "实施方案草稿已保存 / draft plan saved")
    return redirect("web:plan", plan_id=version.plan_id)


def _plan_act(request, plan_id: int, act, done: str, version_of=selectors.latest_version):
    """Run one service on a version of the plan (default: the newest); a refusal re-renders the plan
    page with its article and both messages."""
    plan = selectors.get_plan_for(request.actor, plan_id)
    version = version_of(plan) or selectors.latest_version(plan)
    try:
        act(version.pk)
    except DomainError as e:
        context = _plan_context(request.actor, plan_id)
        return _refused(request, "web/authorization/plan_detail.html", context, e)
    messages.success(request, done)
    return redirect("web:plan", plan_id=plan_id)


@login_required
def plan_edit(request, plan_id: int):
    """Edit the newest version while it is a draft or returned (an approved version is frozen, R13.1)."""
    from shuyu.authorization import services

    actor = request.actor
    plan = selectors.get_plan_for(actor, plan_id)
    version = selectors.latest_version(plan)
    template = "web/authorization/plan_form.html"
    form = request.POST if request.method == "POST" else version_as_form(version)
    context = {**plan_form_context(actor, form), "plan": plan, "version": version}
    if request.method != "POST":
        return render(request, template, context)
    try:
        services.update_plan(actor, version_id=version.pk, draft=parse_plan_draft(request.POST))
    except DomainError as e:
        return _refused(request, template, context, e)
    messages.success(request, "实施方案已保存 / plan saved")
    return redirect("web:plan", plan_id=plan_id)


@login_required
@require_POST
def plan_submit(request, plan_id: int):
    """报本级人民政府审议 (第十三条); refused with every missing item of 第十一条 (R11.1, R12.1)."""
    from shuyu.authorization import services

    return _plan_act(
        request,
        plan_id,
        lambda version_id: services.submit_plan(request.actor, version_id=version_id),
        "实施方案已报本级人民政府审议 / plan submitted for approval",
    )


@login_required
def plan_approve(request, plan_id: int):
    """The same-level government records its 三重一大 decision (R13.1)."""
    from shuyu.authorization import services

    actor = request.actor
    plan = selectors.get_plan_for(actor, plan_id)
    version = selectors.latest_version(plan)
    template = "web/authorization/plan_approve.html"
    context = {
        "plan": plan,
        "version": version,
        "status": selectors.plan_status(version),
        "today": clock.today(),
    }
    if request.method != "POST":
        return render(request, template, context)
    context["form"] = request.POST
    try:
        decision = parse_approval(request.POST)
        if decision.pop("approve"):
            services.approve_plan(actor, version_id=version.pk, **decision)
            messages.success(request, "已记录审议通过，实施方案版本已冻结 / approved and frozen")
        else:
            services.return_plan(actor, version_id=version.pk, **decision)
            messages.success(request, "已退回修改 / returned for changes")
    except DomainError as e:
        return _refused(request, template, context, e)
    return redirect("web:plan", plan_id=plan_id)


@login_required
@require_POST
def plan_file(request, plan_id: int):
    """The data administration files the approved plan with the province (R13.2); late is flagged."""
    from shuyu.authorization import services

    return _plan_act(
        request,
        plan_id,
        lambda version_id: services.file_plan(request.actor, version_id=version_id),
        "实施方案已备案 / plan filed",
        version_of=selectors.current_version,  # the approved version in force is the one filed
    )


# --- selections ------------------------------------------------------------------------------------------------


@login_required
def selection_list(request):
    selections = selectors.selections_visible_to(request.actor).order_by("-created_at")
    return render(request, "web/authorization/selection_list.html", {"selections": selections})


def _selection_context(actor, selection_id: int) -> dict:
    from shuyu.orgs.selectors import organizations

    selection = selectors.get_selection_for(actor, selection_id)
    manage = can(actor, Perm.AUTHORIZATION_SELECTION_MANAGE, org_id=selection.plan.agency_id)
    status = selection.status
    return {
        "selection": selection,
        "candidates": list(selection.candidates.select_related("operator").order_by("-score", "id")),
        "condition_labels": rules.OPERATOR_CONDITION_LABELS,
        "consultations": list(selection.consultations.all()),
        "today": clock.today(),
        "may_consult": manage and status == rules.SelectionStatus.PREPARING,
        "may_open": manage and status == rules.SelectionStatus.PREPARING,
        "may_add": manage and status == rules.SelectionStatus.OPEN,
        "may_decide": manage and status == rules.SelectionStatus.OPEN,
        "operators": organizations(kind="operator")
        if manage and status == rules.SelectionStatus.OPEN
        else [],
    }


@login_required
def selection_detail(request, selection_id: int):
    context = _selection_context(request.actor, selection_id)
    return render(request, "web/authorization/selection_detail.html", context)


def _selection_act(request, selection_id: int, act, done: str):
    """Run one service on the selection; a refusal re-renders the selection with its article."""
    selectors.get_selection_for(request.actor, selection_id)
    try:
        act(request.POST)
    except DomainError as e:
        context = {**_selection_context(request.actor, selection_id), "form": request.POST}
        return _refused(request, "web/authorization/selection_detail.html", context, e)
    messages.success(request, done)
    return redirect("web:selection", selection_id=selection_id)


@login_required
@require_POST
def selection_start(request, plan_id: int):
    """实施机构根据审定同意的实施方案选择运营机构 (R10.1, R14.1)."""
    from shuyu.authorization import services

    try:
        selection = services.start_selection(
            request.actor,
            plan_id=plan_id,
            method=request.POST.get("method", ""),
            title=request.POST.get("title", ""),
        )
    except DomainError as e:
        context = _plan_context(request.actor, plan_id)
        return _refused(request, "web/authorization/plan_detail.html", context, e)
    messages.success(request, "已启动运营机构选择 / selection started")
    return redirect("web:selection", selection_id=selection.pk)


@login_required
@require_POST
def selection_consult(request, selection_id: int):
    """协议内容征求意见 (N-SPEC.3)."""
    from shuyu.authorization import services

    return _selection_act(
        request,
        selection_id,
        lambda post: services.record_consultation(
            request.actor,
            selection_id=selection_id,
            parties=post.get("parties", ""),
            consulted_on=parse_date(post.get("consulted_on"), "N-SPEC.3") or clock.today(),
            comments=post.get("comments", ""),
            response=post.get("response", ""),
        ),
        "已记录征求意见 / consultation recorded",
    )


@login_required
@require_POST
def selection_open(request, selection_id: int):
    from shuyu.authorization import services

    return _selection_act(
        request,
        selection_id,
        lambda post: services.open_selection(request.actor, selection_id=selection_id),
        "已发布 / selection opened",
    )


@login_required
@require_POST
def selection_add_candidate(request, selection_id: int):
    """A candidate assessed against the plan's five conditions and national data security (R14.2)."""
    from shuyu.authorization import services

    def add(post):
        operator = post.get("operator_org_id", "")
        if not operator.isdigit():
            raise DomainError("R14.2", "请选择候选运营机构", "choose a candidate operator")
        services.add_candidate(
            request.actor,
            selection_id=selection_id,
            operator_org_id=int(operator),
            conditions_met={k: post.get(f"met-{k}") == "on" for k in rules.OPERATOR_CONDITION_KEYS},
            data_security_compliant=post.get("data_security_compliant") == "on",
            evidence=post.get("evidence", ""),
        )

    return _selection_act(request, selection_id, add, "已登记候选单位 / candidate added")


@login_required
@require_POST
def selection_score(request, selection_id: int, candidate_id: int):
    from shuyu.authorization import services

    return _selection_act(
        request,
        selection_id,
        lambda post: services.score_candidate(
            request.actor,
            candidate_id=candidate_id,
            score=parse_score(post.get("score")),
            notes=post.get("notes", ""),
        ),
        "已评分 / scored",
    )


@login_required
@require_POST
def selection_decide(request, selection_id: int):
    """确定运营机构: the best-scored eligible candidate; a 失信 record blocks (R14.1, R14.2)."""
    from shuyu.authorization import services

    def decide(post):
        winner = post.get("winner_candidate_id", "")
        if not winner.isdigit():
            raise DomainError("R14.1", "请选择中选单位", "choose the winner")
        services.decide_selection(
            request.actor,
            selection_id=selection_id,
            winner_candidate_id=int(winner),
            decision_ref=post.get("decision_ref", ""),
            decided_on=parse_date(post.get("decided_on"), "R14.1"),
        )

    return _selection_act(request, selection_id, decide, "已确定运营机构 / operator selected")


@login_required
def agreement_create(request, selection_id: int):
    """拟定授权运营协议 with the selected operator: the 13 items of 第十六条 (R10.1, R16.1–R16.3)."""
    from shuyu.authorization import services

    actor = request.actor
    selection = selectors.get_selection_for(actor, selection_id)
    template = "web/authorization/agreement_form.html"
    form = request.POST if request.method == "POST" else agreement_form_initial(selection)
    context = agreement_form_context(selection, form)
    if request.method != "POST":
        return render(request, template, context)
    try:
        draft = parse_agreement_draft(request.POST, selection.plan_version)
        agreement = services.create_agreement(actor, selection_id=selection_id, draft=draft)
    except DomainError as e:
        return _refused(request, template, context, e)
    messages.success(request, "协议草案已拟定 / draft agreement made")
    return redirect("web:agreement", agreement_id=agreement.pk)


# --- agreements --------------------------------------------------------------------------------------------


@login_required
def agreement_list(request):
    actor = request.actor
    rows = [(a, selectors.filing_of_agreement(a)) for a in selectors.agreements_visible_to(actor)]
    return render(request, "web/authorization/agreement_list.html", {"rows": rows})


def _agreement_context(actor, agreement_id: int) -> dict:
    agreement = selectors.get_agreement_for(actor, agreement_id)
    return {
        "agreement": agreement,
        "filing": selectors.filing_of_agreement(agreement),
        "items": agreement_items(agreement),
        "today": clock.today(),
        "may_sign": agreement.status == rules.AgreementStatus.DRAFT
        and can(actor, Perm.AUTHORIZATION_AGREEMENT_SIGN, org_id=agreement.agency_id),
        "may_file": agreement.status == rules.AgreementStatus.SIGNED
        and can(actor, Perm.AUTHORIZATION_AGREEMENT_FILE, org_id=agreement.agency_id),
        **_lifecycle_actions(actor, agreement),
    }


def _may_suspend(actor, agreement) -> bool:
    """The agency, or the data administration of the agreement's own region (本级, R29.1): the services'
    own check, asked without acting."""
    from shuyu.authorization.services import authorize_owner_or_admin

    return _passes(
        authorize_owner_or_admin,
        actor=actor,
        perm=Perm.AUTHORIZATION_AGREEMENT_SUSPEND,
        org_id=agreement.agency_id,
        region_code=agreement.region_id,
    )


def _lifecycle_actions(actor, agreement) -> dict:
    """Which lifecycle forms the page offers; every act is still checked by the services (R15.1, R29.1)."""
    status = rules.AgreementStatus(agreement.status)
    S = rules.AgreementStatus
    return {
        "may_activate": status == S.FILED
        and can(actor, Perm.AUTHORIZATION_AGREEMENT_ACTIVATE, org_id=agreement.agency_id),
        "may_suspend": status == S.ACTIVE and _may_suspend(actor, agreement),
        "may_resume": status == S.SUSPENDED and _may_suspend(actor, agreement),
        "may_terminate": status in (S.ACTIVE, S.SUSPENDED, S.FILED, S.SIGNED)
        and can(actor, Perm.AUTHORIZATION_AGREEMENT_TERMINATE, org_id=agreement.agency_id),
    }


@login_required
def agreement_detail(request, agreement_id: int):
    context = _agreement_context(request.actor, agreement_id)
    return render(request, "web/authorization/agreement_detail.html", context)


def _agreement_act(request, agreement_id: int, act, done: str):
    """Run one service on the agreement; a refusal re-renders the agreement with its article."""
    selectors.get_agreement_for(request.actor, agreement_id)
    try:
        act()
    except DomainError as e:
        context = {**_agreement_context(request.actor, agreement_id), "form": request.POST}
        return _refused(request, "web/authorization/agreement_detail.html", context, e)
    messages.success(request, done)
    return redirect("web:agreement", agreement_id=agreement_id)


@login_required
@require_POST
def agreement_sign(request, agreement_id: int):
    """Signing after the agency's own 三重一大 review (R15.1)."""
    from shuyu.authorization import services

    post = request.POST

    def sign():
        reviewed_on = _date(post.get("reviewed_on"))
        if reviewed_on is None:
            raise DomainError(
                "R15.1", "须填写本单位“三重一大”审议日期", "the date of the agency's review is required"
            )
        services.sign_agreement(
            request.actor,
            agreement_id=agreement_id,
            review_meeting=post.get("review_meeting", ""),
            review_decision_ref=post.get("review_decision_ref", ""),
            reviewed_on=reviewed_on,
            signed_on=_date(post.get("signed_on")),
        )

    return _agreement_act(request, agreement_id, sign, "协议已签订 / agreement signed")


@login_required
@require_POST
def agreement_file(request, agreement_id: int):
    """Filing within 10 working days of signing (R15.1); late filing is accepted and flagged."""
    from shuyu.authorization import services

    return _agreement_act(
        request,
        agreement_id,
        lambda: services.file_agreement(request.actor, agreement_id=agreement_id),
        "协议已备案 / agreement filed",
    )


@login_required
@require_POST
def agreement_activate(request, agreement_id: int):
    """A filed agreement comes into force on or after its start date (R15.1)."""
    from shuyu.authorization import services

    return _agreement_act(
        request,
        agreement_id,
        lambda: services.activate_agreement(request.actor, agreement_id=agreement_id),
        "协议已生效 / agreement in force",
    )


def _reasoned_act(service_name: str, done: str):
    @login_required
    @require_POST
    def view(request, agreement_id: int):
        from shuyu.authorization import services

        act = getattr(services, service_name)
        reason = request.POST.get("reason", "")
        return _agreement_act(
            request, agreement_id, lambda: act(request.actor, agreement_id=agreement_id, reason=reason), done
        )

    view.__name__ = f"agreement_{service_name}"
    return view


# 暂停（整改期间）、恢复、提前终止 (第二十九条, R29.1; 第十六条（十二）): each needs a reason, recorded.
agreement_suspend = _reasoned_act(
    "suspend_agreement", "协议已暂停，开发利用环境中的作业一律停止 / agreement suspended"
)
agreement_resume = _reasoned_act("resume_agreement", "协议已恢复 / agreement resumed")
agreement_terminate = _reasoned_act("terminate_agreement", "协议已终止 / agreement terminated")


# --- 实施机构确定 (第八条, R08.1) --------------------------------------------------------------------------


def _designations_context(actor) -> dict:
    from shuyu.core.roles import Role
    from shuyu.orgs.models import Organization

    may_designate = can(actor, Perm.AUTHORIZATION_DESIGNATION_CREATE)
    candidates = (
        Organization.objects.filter(kind=Role.IMPLEMENTING_AGENCY, region_id=actor.region_code).order_by(
            "name"
        )
        if may_designate and actor.region_code
        else Organization.objects.none()
    )
    rows = list(selectors.designations_visible_to(actor).order_by("region_id", "-designated_on", "-id"))
    may_file = can(actor, Perm.AUTHORIZATION_DESIGNATION_FILE)
    return {
        "designations": rows,
        "may_designate": may_designate,
        "candidates": candidates,
        "fileable": {
            d.pk
            for d in rows
            if may_file
            and d.filed_at is None
            and d.revoked_at is None
            # R08.1: only the provincial data_admin files, as `services.file_designation` checks
            and _passes(rules.check_designation_filer, filer_region=actor.region_code or "")
            and can(actor, Perm.AUTHORIZATION_DESIGNATION_FILE, region_code=d.region_id)
        },
        "today": clock.today(),
    }


@login_required
def designations(request):
    """市（州）人民政府确定本级实施机构，报省级数据管理部门备案 (R08.1)."""
    return render(request, "web/authorization/designations.html", _designations_context(request.actor))


@login_required
@require_POST
def designation_create(request):
    from shuyu.authorization import services

    post = request.POST
    try:
        designated_on = _date(post.get("designated_on"))
        if designated_on is None:
            raise DomainError("R08.1", "须填写确定日期", "the designation date is required")
        try:
            agency_org_id = int(post.get("agency_org_id", ""))
        except ValueError:
            raise DomainError("R08.1", "须选择实施机构", "choose the implementing agency") from None
        services.designate_agency(
            request.actor,
            agency_org_id=agency_org_id,
            decision_ref=post.get("decision_ref", ""),
            designated_on=designated_on,
        )
    except DomainError as e:
        context = {**_designations_context(request.actor), "form": post}
        return _refused(request, "web/authorization/designations.html", context, e)
    messages.success(request, "已确定本级实施机构，待省级数据管理部门备案 / designation recorded")
    return redirect("web:designations")


@login_required
@require_POST
def designation_file(request, designation_id: int):
    from shuyu.authorization import services

    try:
        services.file_designation(request.actor, designation_id=designation_id)
    except DomainError as e:
        return _refused(
            request, "web/authorization/designations.html", _designations_context(request.actor), e
        )
    messages.success(request, "已备案 / designation filed")
    return redirect("web:designations")


def _date(value: str | None) -> dt.date | None:
    return parse_date(value, "R15.1")


urlpatterns = [
    path("agency/", dashboard, name="agency"),
    path("agency/plans/", plan_list, name="plans"),
    path("agency/plans/new/", plan_create, name="plan-create"),
    path("agency/plans/<int:plan_id>/", plan_detail, name="plan"),
    path("agency/plans/<int:plan_id>/edit/", plan_edit, name="plan-edit"),
    path("agency/plans/<int:plan_id>/submit/", plan_submit, name="plan-submit"),
    path("agency/plans/<int:plan_id>/approve/", plan_approve, name="plan-approve"),
    path("agency/plans/<int:plan_id>/file/", plan_file, name="plan-file"),
    path("agency/approvals/", approvals, name="approvals"),
    path("agency/filings/", filings, name="filings"),
    path("agency/selections/", selection_list, name="selections"),
    path("agency/plans/<int:plan_id>/selections/", selection_start, name="selection-start"),
    path("agency/selections/<int:selection_id>/", selection_detail, name="selection"),
    path("agency/selections/<int:selection_id>/consult/", selection_consult, name="selection-consult"),
    path("agency/selections/<int:selection_id>/open/", selection_open, name="selection-open"),
    path("agency/selections/<int:selection_id>/candidates/", selection_add_candidate, name="selection-add"),
    path(
        "agency/selections/<int:selection_id>/candidates/<int:candidate_id>/score/",
        selection_score,
        name="selection-score",
    ),
    path("agency/selections/<int:selection_id>/decide/", selection_decide, name="selection-decide"),
    path("agency/selections/<int:selection_id>/agreement/", agreement_create, name="agreement-create"),
    path("agency/designations/", designations, name="designations"),
    path("agency/designations/new/", designation_create, name="designation-create"),
    path("agency/designations/<int:designation_id>/file/", designation_file, name="designation-file"),
    path("agency/agreements/", agreement_list, name="agreements"),
    path("agency/agreements/<int:agreement_id>/", agreement_detail, name="agreement"),
    path("agency/agreements/<int:agreement_id>/sign/", agreement_sign, name="agreement-sign"),
    path("agency/agreements/<int:agreement_id>/file/", agreement_file, name="agreement-file"),
    path("agency/agreements/<int:agreement_id>/activate/", agreement_activate, name="agreement-activate"),
    path("agency/agreements/<int:agreement_id>/suspend/", agreement_suspend, name="agreement-suspend"),
    path("agency/agreements/<int:agreement_id>/resume/", agreement_resume, name="agreement-resume"),
    path("agency/agreements/<int:agreement_id>/terminate/", agreement_terminate, name="agreement-terminate"),
]
