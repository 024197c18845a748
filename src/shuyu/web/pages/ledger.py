"""Pages for the ledger: the public page of checkpoints and the signing key (R18.1, R24.1 信息公开)."""

from django.shortcuts import render
from django.urls import path

from shuyu.ledger import selectors


def ledger_page(request):
    """Open to everyone: outsiders must be able to hold checkpoints and the key."""
    return render(
        request,
        "web/ledger/index.html",
        {
            "ledger_checkpoint": selectors.latest_checkpoint(),
            "checkpoints": selectors.recent_checkpoints(20),
            "key": selectors.published_key(),
        },
    )


urlpatterns = [path("ledger/", ledger_page, name="ledger")]
