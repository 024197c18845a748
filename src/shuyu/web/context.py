from shuyu.orgs.selectors import actor_for_user


def actor(request):
    """`actor` in every template: the person acting and their organization's roles."""
    a = getattr(request, "actor", None) or actor_for_user(getattr(request, "user", None))
    return {"actor": a}
