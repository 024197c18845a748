"""The one NinjaAPI. Errors are mapped here once: DomainError → 422, PermissionDenied → 403,
NotFound → 404, Unauthenticated → 401, always as {code, article, message_zh, message_en}."""

import logging

from django.core.signals import got_request_exception
from django.db.utils import DataError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from shuyu.core.errors import DomainError, NotFound

from .auth import AUTH

logger = logging.getLogger("shuyu.api")


class ShuyuAPI(NinjaAPI):
    """Declares in the schema the refusals every operation can give, whatever its handler declares: an
    unparseable body (400), malformed input (422), and for protected operations no valid token (401)."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for operations in schema["paths"].values():
            for op in operations.values():
                responses = op.setdefault("responses", {})
                common = []
                if op.get("requestBody"):
                    common.append((400, "请求内容无法解析 / unparseable request"))
                if op.get("requestBody") or op.get("parameters"):
                    common.append((422, "请求内容不合格式 / malformed request"))
                if op.get("security"):
                    common += [(401, "未登录或令牌无效 / not authenticated"), (403, "无权访问 / refused")]
                for status, description in common:
                    responses.setdefault(status, {"description": description, "content": error})
        return schema


api = ShuyuAPI(
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


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    # ninja's own refusals: an unparseable body (400), a failed CSRF check (403). Fixed wording, no echo.
    if exc.status_code == 403:
        zh, en, code = "请求被拒绝（CSRF校验失败）", "request refused (CSRF check failed)", "R22.1"
    else:
        zh, en, code = "请求内容无法解析", "the request could not be parsed", "INPUT"
    body = {
        "code": code,
        "article": "第二十二条" if code == "R22.1" else "",
        "message_zh": zh,
        "message_en": en,
    }
    return api.create_response(request, body, status=exc.status_code if exc.status_code < 500 else 400)


@api.exception_handler(Http404)
def _http404(request, exc):
    # Same body as NotFound: "missing" and "not yours" look alike, and DEBUG never echoes the lookup.
    return api.create_response(request, NotFound().as_dict(), status=404)


@api.exception_handler(DataError)
def _data_error(request, exc: DataError):
    # The database refused a value the caller sent (a NUL byte in text on PostgreSQL, an integer out of
    # range): the caller's input, so 422, and the engine's own message is never echoed (R04.1).
    logger.info("database refused input in %s %s: %s", request.method, request.path, type(exc).__name__)
    body = {
        "code": "INPUT",
        "article": "",
        "message_zh": "请求内容含有无法存储或比较的值（如空字符、超范围整数）",
        "message_en": "the request holds a value the database cannot store or compare (NUL, out-of-range number)",
    }
    return api.create_response(request, body, status=422)


@api.exception_handler(Exception)
def _internal_error(request, exc: Exception):
    # Our own bug: logged in full, answered without a stack trace or an engine's message (R04.1), in DEBUG
    # too (ninja's default handler returns the traceback as text when DEBUG is on). The signal lets the
    # test client re-raise it, so tests still see the real exception.
    logger.error("unhandled error in %s %s", request.method, request.path, exc_info=exc)
    got_request_exception.send(sender=None, request=request)
    body = {
        "code": "INTERNAL",
        "article": "",
        "message_zh": "服务器内部错误，已记录",
        "message_en": "internal error; it has been logged",
    }
    return api.create_response(request, body, status=500)


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
