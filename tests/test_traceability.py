"""docs/traceability.md must stay true: every test it names exists, and every requirement row names a test."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "traceability.md"


def _defined_tests() -> set[str]:
    names: set[str] = set()
    for path in [*ROOT.joinpath("src").rglob("test_*.py"), *ROOT.joinpath("tests").rglob("test_*.py")]:
        names.update(re.findall(r"^\s*(?:async\s+)?def (test_\w+)", path.read_text(), re.M))
    return names


def _rows() -> list[tuple[str, str]]:
    rows = []
    for line in DOC.read_text().splitlines():
        m = re.match(r"\|\s*`?(R\d{2}\.\d+|N-[A-Z]+\.\d+)\b([^|]*)\|(.*)", line)
        if m and "not yet" not in m.group(3):  # rows saying "not yet" are open work, listed honestly
            for req in [m.group(1), *re.findall(r"R\d{2}\.\d+|N-[A-Z]+\.\d+", m.group(2))]:
                rows.append((req, m.group(3)))
    return rows


def test_traceability_names_only_tests_that_exist():
    defined = _defined_tests()
    # `test_x.py` names a module, `test_r07_1_*` a family of tests: both are matched by prefix.
    named = {t for _, rest in _rows() for t in re.findall(r"\b(test_\w+)\b(?!\.py)", rest)}
    assert named, "docs/traceability.md names no tests"
    missing = sorted(n for n in named if n not in defined and not any(d.startswith(n) for d in defined))
    assert not missing, f"docs/traceability.md names tests that do not exist: {missing}"


def test_every_traced_requirement_has_a_test():
    rows = _rows()
    tested = {req for req, rest in rows if re.search(r"\btest_\w+", rest)}
    untested = sorted({req for req, _ in rows} - tested)
    assert not untested, f"requirements traced without a test: {untested}"
