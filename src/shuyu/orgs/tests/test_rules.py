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


def _code(prefix17: str) -> str:
    return prefix17 + uscc_check_char(prefix17)


def test_n_uscc_3_individual_business_cannot_be_an_operator():
    from shuyu.orgs.rules import check_uscc_for_kind

    with pytest.raises(DomainError) as err:
        check_uscc_for_kind(_code("92510100MA6123456"), "operator")
    assert err.value.requirement == "N-USCC.3" and "法人" in err.value.zh and "legal person" in err.value.en
    check_uscc_for_kind(_code("91510100MA6123456"), "operator")  # 企业: fine
    check_uscc_for_kind(_code("92510100MA6123456"), "developer")  # only operators are limited


def test_n_uscc_hints_only_warn():
    from shuyu.orgs.rules import uscc_warnings

    sichuan = {"510000", "510100", "510104"}
    assert uscc_warnings(_code("91510100MA6123456"), sichuan) == []
    assert uscc_warnings(_code("91110105MA6123456"), sichuan) == []  # other provinces are not listed
    assert len(uscc_warnings(_code("95510100MA6123456"), sichuan)) == 1  # unknown kind pair
    assert len(uscc_warnings(_code("91519900MA6123456"), sichuan)) == 1  # 5199xx is not a Sichuan code


def test_r14_2_credit_record_dates():
    import datetime as dt

    from shuyu.orgs.rules import check_credit_record_dates, credit_record_in_force

    d = dt.date
    check_credit_record_dates(d(2026, 1, 1), None)
    check_credit_record_dates(d(2026, 1, 1), d(2026, 1, 1))
    with pytest.raises(DomainError):
        check_credit_record_dates(d(2026, 1, 2), d(2026, 1, 1))
    assert credit_record_in_force(d(2026, 1, 1), d(2026, 12, 31), d(2026, 12, 31))
    assert not credit_record_in_force(d(2026, 1, 1), d(2026, 12, 31), d(2027, 1, 1))
    assert not credit_record_in_force(d(2026, 1, 1), None, d(2025, 12, 31))


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from shuyu.orgs.rules import USCC_CHARSET  # noqa: E402


@given(prefix=st.text(alphabet=USCC_CHARSET, min_size=17, max_size=17), wrong=st.sampled_from(USCC_CHARSET))
def test_n_uscc_2_exactly_one_check_character_is_valid(prefix, wrong):
    good = prefix + uscc_check_char(prefix)
    assert check_uscc(good) == good
    if wrong != good[17]:
        with pytest.raises(DomainError) as err:
            check_uscc(prefix + wrong)
        assert err.value.requirement == "N-USCC.2"
