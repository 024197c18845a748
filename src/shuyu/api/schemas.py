"""Schemas shared by all routers."""

from ninja import Schema


class ErrorOut(Schema):
    """Every refusal: the requirement id, its article, and the message in Chinese and English."""

    code: str
    article: str
    message_zh: str
    message_en: str
