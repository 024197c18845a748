"""Who is calling: a bearer token (API, CLI) or a browser session (pages calling the API)."""

from ninja.security import APIKeyCookie, HttpBearer

from shuyu.core.actors import Actor
from shuyu.orgs.selectors import actor_for_user


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`; tokens are hashed at rest and revocable (orgs.tokens)."""

    def authenticate(self, request, token: str) -> Actor | None:
        from shuyu.orgs import tokens  # the orgs app owns tokens

        actor = tokens.actor_for_token(token)  # raises Unauthenticated for expired/revoked/unknown
        request.actor = actor
        return actor


class SessionActor(APIKeyCookie):
    """A logged-in browser session; CSRF is checked by ninja for unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request, key) -> Actor | None:
        actor = _session_actor(request)
        if actor.is_anonymous:
            return None
        request.actor = actor
        return actor


def _session_actor(request) -> Actor:
    """The session's actor, as web.middleware already resolved it for this request (one query, not two)."""
    actor = getattr(request, "actor", None)
    return actor if actor is not None else actor_for_user(getattr(request, "user", None))


def public(request) -> Actor:
    """For endpoints open to 社会公众 (the disclosure portal)."""
    request.actor = _session_actor(request)
    return request.actor


AUTH = [BearerToken(), SessionActor()]
