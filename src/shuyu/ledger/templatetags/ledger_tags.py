"""`{% load ledger_tags %}{% ledger_checkpoint %}`: the latest signed checkpoint, on any page (R18.1)."""

from django import template

from shuyu.ledger import selectors

register = template.Library()


@register.inclusion_tag("web/ledger/_checkpoint.html")
def ledger_checkpoint():
    return {"ledger_checkpoint": selectors.latest_checkpoint()}
