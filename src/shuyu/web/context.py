"""Template context for every page: the actor, and the navigation that actor's roles allow."""

import importlib

from django.urls import NoReverseMatch, reverse

from shuyu.core.permissions import Perm, can
from shuyu.core.roles import ROLE_LABELS
from shuyu.orgs.selectors import actor_for_user

# (zh, en, url name, permission needed or None). Only what the actor may do is shown (R22.1); the
# services still check every act, so a hidden link is a courtesy, never the protection.
NAV = [
    ("工作台", "Workspace", "web:agency", Perm.AUTHORIZATION_PLAN_CREATE),
    ("实施方案", "Plans", "web:plans", Perm.AUTHORIZATION_PLAN_VIEW),
    ("方案审批", "Approvals", "web:approvals", Perm.AUTHORIZATION_PLAN_APPROVE),
    ("备案", "Filings", "web:filings", Perm.AUTHORIZATION_PLAN_RECEIVE_FILING),
    ("运营机构遴选", "Selections", "web:selections", Perm.AUTHORIZATION_SELECTION_VIEW),
    ("授权运营协议", "Agreements", "web:agreements", Perm.AUTHORIZATION_AGREEMENT_VIEW),
    ("确定实施机构", "Designations", "web:designations", Perm.AUTHORIZATION_DESIGNATION_CREATE),
    ("实施机构备案", "Designations", "web:designations", Perm.AUTHORIZATION_DESIGNATION_FILE),
]
# Other domains' page modules may declare their own `NAV` list in the same shape; it is appended here.
_OTHER_PAGES = ("catalog", "ledger", "sandbox")


def _entries():
    entries = list(NAV)
    for name in _OTHER_PAGES:
        module = importlib.import_module(f"shuyu.web.pages.{name}")
        entries.extend(getattr(module, "NAV", []))
    return entries


def nav_for(actor) -> list[dict]:
    items = []
    for zh, en, url_name, perm in _entries():
        if perm is not None and not can(actor, perm):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue  # that page is not built yet
        items.append({"zh": zh, "en": en, "url": url})
    return items


def actor(request):
    """`actor`, `nav` and `role_labels` in every template."""
    a = getattr(request, "actor", None) or actor_for_user(getattr(request, "user", None))
    roles = [ROLE_LABELS[r] for r in sorted(a.roles) if r in ROLE_LABELS]
    nav = nav_for(a)
    _mark_current(nav, getattr(request, "path", "") or "")
    return {"actor": a, "nav": nav, "actor_roles": roles}


def _mark_current(nav: list[dict], path: str) -> None:
    """The one entry whose URL is the longest prefix of the page's path is current (never the home page
    for every page, and not both `/catalog/` and `/catalog/manage/`)."""
    matches = [item for item in nav if item["url"] != "/" and path.startswith(item["url"])]
    best = max(matches, key=lambda item: len(item["url"]), default=None)
    for item in nav:
        item["current"] = item is best
