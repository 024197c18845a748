"""API tokens: hashed at rest, revocable, expiring. (Completed by the foundation work on identity.)"""

from shuyu.core.actors import Actor
from shuyu.core.errors import Unauthenticated


def actor_for_token(raw: str) -> Actor:
    raise Unauthenticated()
