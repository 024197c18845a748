import pytest

from shuyu.core.errors import DomainError, article_of


@pytest.mark.parametrize(
    ("req", "article"),
    [
        ("R02.1", "第二条"),
        ("R10.1", "第十条"),
        ("R16.2", "第十六条"),
        ("R22.1", "第二十二条"),
        ("R30.1", "第三十条"),
    ],
)
def test_article_of_maps_requirement_ids_to_the_rules_wording(req, article):
    assert article_of(req) == article


def test_domain_error_carries_both_languages_and_article():
    e = DomainError("R16.2", "授权运营期限不得超过5年", "term exceeds 5 years")
    assert e.as_dict() == {
        "code": "R16.2",
        "article": "第十六条",
        "message_zh": "授权运营期限不得超过5年",
        "message_en": "term exceeds 5 years",
    }
    assert str(e) == "R16.2: 授权运营期限不得超过5年 / term exceeds 5 years"
