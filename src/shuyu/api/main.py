"""The one NinjaAPI. Errors are mapped here once: DomainError → 422, PermissionDenied → 403,
NotFound → 404, Unauthenticated → 401, always as {code, article, message_zh, message_en}."""

from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from shuyu.core.errors import DomainError

from .auth import AUTH

api = NinjaAPI(
    title="数域 shuyu API",
    version="1",
    description="公共数据资源授权运营平台 API（四川省实施细则）/ API for authorized operation of public data resources",
    auth=AUTH,
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    body = {
        "code": "R22.1",
        "article": "第二十二条",
        "message_zh": "未登录或令牌无效",
        "message_en": "not authenticated",
    }
    return api.create_response(request, body, status=401)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    # Field-level problems with the request body; never echoes stored data.
    fields = "; ".join(
        ".".join(str(p) for p in e.get("loc", [])) + f": {e.get('msg', '')}" for e in exc.errors
    )
    body = {
        "code": "INPUT",
        "article": "",
        "message_zh": f"请求内容不合格式：{fields}",
        "message_en": f"malformed request: {fields}",
        "errors": exc.errors,
    }
    return api.create_response(request, body, status=422)


def _register_routers() -> None:
    # Each domain has one router module in this package; they are added here and nowhere else.
    from . import authorization, catalog, core, ledger, orgs, sandbox

    for module, prefix in [
        (core, "/core"),
        (orgs, "/orgs"),
        (ledger, "/ledger"),
        (catalog, "/catalog"),
        (authorization, "/authorization"),
        (sandbox, "/sandbox"),
    ]:
        api.add_router(prefix, module.router)


_register_routers()
