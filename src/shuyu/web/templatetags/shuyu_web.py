"""Small template filters for the pages."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`{{ form|get_item:name }}`: a value by a key held in a variable ('' when absent)."""
    if mapping is None:
        return ""
    value = mapping.get(key, "")
    return "" if value is None else value
