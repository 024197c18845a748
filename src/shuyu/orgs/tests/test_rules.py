import pytest

from shuyu.core.errors import DomainError
from shuyu.orgs.rules import check_uscc, uscc_check_char


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",
        "91512081MA62K0260E",
        "9151010000000000G0",
        "91510100MA6123456W",
        "12510000MB0000001N",
    ],
)
def test_n_uscc_2_published_and_synthetic_vectors_are_valid(code):
    assert check_uscc(code.lower()) == code
    assert uscc_check_char(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("code", "req"),
    [
        ("91350100M000100Y44", "N-USCC.2"),
        ("91350100M000100Y4Z", "N-USCC.1"),
        ("91350100M00010", "N-USCC.1"),
        ("9135010OM000100Y43", "N-USCC.1"),
    ],
)
def test_n_uscc_invalid_codes_are_refused_naming_the_standard(code, req):
    with pytest.raises(DomainError) as err:
        check_uscc(code)
    assert err.value.requirement == req
