"""Pages of the catalog: the public resource catalog and registration notices (metadata only, never data,
R04.1), and the back office for data source units, the implementing agency and the registrar (resources,
grading, versions, quality counts, registrations and their working-day deadlines)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from shuyu.catalog import export, selectors, services
from shuyu.core import clock
from shuyu.core.errors import DomainError
from shuyu.core.permissions import Perm, has_perm

NAV = [
    ("公共数据目录", "Public catalog", "web:catalog", None),
    ("数据资源管理", "Resources", "web:catalog-manage", Perm.CATALOG_RESOURCE_VIEW),
]


def public_catalog(request):
    """公共数据资源目录: everyone may read the metadata; sector filter by ?sector=."""
    sector = request.GET.get("sector", "")
    resources = selectors.public_resources()
    if sector:
        resources = resources.filter(sector=sector)
    rows = [export.public_summary(r) for r in resources]
    sectors = sorted({s for s in selectors.public_resources().values_list("sector", flat=True) if s})
    return render(
        request, "web/catalog/public_list.html", {"rows": rows, "sectors": sectors, "sector": sector}
    )


def public_resource(request, code: str):
    return render(
        request,
        "web/catalog/public_detail.html",
        {"r": export.public_summary(selectors.get_public_resource(code))},
    )


def notices(request):
    """登记公示 (N-REG.15): registrant, type, data name, summary — nothing else."""
    return render(
        request, "web/catalog/notices.html", {"notices": selectors.public_notices(), "today": clock.today()}
    )


@login_required
def manage(request):
    actor = request.actor
    resources = selectors.visible_to(actor).prefetch_related("registrations")
    rows = []
    for r in resources:
        rows.append(
            {
                "r": r,
                "facts": selectors.facts_of(r),
                "version": selectors.latest_version(r),
                "quality": selectors.latest_quality(r),
                "code": selectors.registration_code(r),
            }
        )
    context = {
        "rows": rows,
        "registrations": list(selectors.registrations_visible_to(actor)[:50]),
        "deadlines": selectors.registration_deadlines(actor),
        "change_alerts": selectors.change_registration_alerts(actor),
        "today": clock.today(),
    }
    return render(request, "web/catalog/manage.html", context)


def _resource_context(actor, r) -> dict:
    return {
        "r": r,
        "facts": selectors.facts_of(r),
        "fields": list(r.fields.all()),
        "decisions": list(r.grading_decisions.order_by("-decided_at")),
        "versions": list(r.versions.order_by("-number")),
        "quality": selectors.latest_quality(r),
        "registrations": list(r.registrations.all()),
        "code": selectors.registration_code(r),
        "transition_due_on": selectors.transition_due_on(),
        # R07.1: who may classify may ask for suggestions; the provider confirms them.
        "may_suggest": services.may_suggest(actor, r),
        "may_confirm": has_perm(actor, Perm.CATALOG_RESOURCE_CREATE) and actor.org_id == r.provider_id,
    }


@login_required
def manage_resource(request, resource_id: int):
    r = selectors.get_resource_for(request.actor, resource_id)
    return render(request, "web/catalog/manage_detail.html", _resource_context(request.actor, r))


@login_required
@require_POST
def suggest_sensitivity(request, resource_id: int):
    """抽样建议字段敏感性: counts and shares from a vault sample, never a value (R07.1)."""
    r = selectors.get_resource_for(request.actor, resource_id)
    context = _resource_context(request.actor, r)
    try:
        context["suggestions"] = services.suggest_field_sensitivity(request.actor, resource_id=r.pk)
    except DomainError as e:
        return render(request, "web/catalog/manage_detail.html", {**context, "error": e}, status=e.status)
    return render(request, "web/catalog/manage_detail.html", context)


@login_required
@require_POST
def confirm_field(request, resource_id: int, name: str):
    """The data source unit confirms (or corrects) a field's sensitivity, e.g. a suggestion."""
    r = selectors.get_resource_for(request.actor, resource_id)
    try:
        services.confirm_field_sensitivity(
            request.actor,
            resource_id=r.pk,
            field_name=name,
            sensitivity=request.POST.get("sensitivity", ""),
            format=request.POST.get("format") if "format" in request.POST else None,
        )
    except DomainError as e:
        context = _resource_context(request.actor, r) | {"error": e}
        return render(request, "web/catalog/manage_detail.html", context, status=e.status)
    messages.success(request, f"已确认字段 {name} 的敏感性 / sensitivity of {name} confirmed")
    return redirect("web:catalog-resource", resource_id=r.pk)


urlpatterns = [
    path("catalog/", public_catalog, name="catalog"),
    path("catalog/notices/", notices, name="catalog-notices"),
    path("catalog/manage/", manage, name="catalog-manage"),
    path("catalog/manage/<int:resource_id>/", manage_resource, name="catalog-resource"),
    path("catalog/manage/<int:resource_id>/suggest/", suggest_sensitivity, name="catalog-suggest"),
    path(
        "catalog/manage/<int:resource_id>/fields/<str:name>/confirm/",
        confirm_field,
        name="catalog-field-confirm",
    ),
    path("catalog/<str:code>/", public_resource, name="catalog-public-resource"),
]
