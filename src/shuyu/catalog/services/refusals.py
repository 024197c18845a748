"""Refused sensitive acts are logged to the ledger with the requirement id (STYLE.md).

`logs_refusal(noun, also=(...))` wraps a use case: when it raises `PermissionDenied` (the wrong actor or
organization), or a `DomainError` whose requirement is listed in `also` (e.g. R05.2), the act's own
transaction has already rolled back (it wrote nothing); one entry `catalog.<noun>.refused` is then appended
in a separate transaction, naming the requirement and the subject's id only — never a data value — and the
same error is raised again. Other refusals (bad input, an unknown id) are not sensitive acts and log nothing.
"""

import functools

from django.db import transaction

from shuyu import ledger
from shuyu.core.errors import DomainError, PermissionDenied


def logs_refusal(
    noun: str,
    *,
    also: tuple[str, ...] = (),
    subject_kind: str = "catalog.dataresource",
    subject_arg: str = "resource_id",
):
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(actor, **kwargs):
            try:
                return fn(actor, **kwargs)
            except DomainError as err:
                if not (isinstance(err, PermissionDenied) or err.requirement in also):
                    raise
                with transaction.atomic():
                    ledger.append(
                        actor,
                        f"catalog.{noun}.refused",
                        (subject_kind, kwargs.get(subject_arg, "")),
                        {"act": fn.__name__, "requirement": err.requirement},
                    )
                raise

        return wrapper

    return decorate
