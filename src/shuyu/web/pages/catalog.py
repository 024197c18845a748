"""Pages of the catalog: the public resource catalog and registration notices (metadata only, never data,
R04.1), and the back office for data source units, the implementing agency and the registrar (resources,
grading, versions, quality counts, registrations and their working-day deadlines)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from shuyu.catalog import export, selectors
from shuyu.core import clock
from shuyu.core.permissions import Perm

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


@login_required
def manage_resource(request, resource_id: int):
    r = selectors.get_resource_for(request.actor, resource_id)
    context = {
        "r": r,
        "facts": selectors.facts_of(r),
        "fields": list(r.fields.all()),
        "decisions": list(r.grading_decisions.order_by("-decided_at")),
        "versions": list(r.versions.order_by("-number")),
        "quality": selectors.latest_quality(r),
        "registrations": list(r.registrations.all()),
        "code": selectors.registration_code(r),
        "transition_due_on": selectors.transition_due_on(),
    }
    return render(request, "web/catalog/manage_detail.html", context)


urlpatterns = [
    path("catalog/", public_catalog, name="catalog"),
    path("catalog/notices/", notices, name="catalog-notices"),
    path("catalog/manage/", manage, name="catalog-manage"),
    path("catalog/manage/<int:resource_id>/", manage_resource, name="catalog-resource"),
    path("catalog/<str:code>/", public_resource, name="catalog-public-resource"),
]
