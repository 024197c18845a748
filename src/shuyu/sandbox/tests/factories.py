"""Table specs shared by the sandbox tests: a person register and an employment table."""

from shuyu.sandbox.schema import FieldRule, FieldSpec, FieldType, TableSpec

PERSONS = TableSpec(
    "persons",
    (
        FieldSpec("id_no", FieldType.STRING, FieldRule.IDENTIFIER, fmt="cn_id"),
        FieldSpec("name", FieldType.STRING, FieldRule.IDENTIFIER, fmt=""),
        FieldSpec("region", FieldType.STRING, FieldRule.QUASI, fmt="region"),
        FieldSpec("age", FieldType.INTEGER, FieldRule.QUASI),
        FieldSpec("born_on", FieldType.DATE, FieldRule.QUASI),
        FieldSpec("income", FieldType.DECIMAL, FieldRule.SENSITIVE),
        FieldSpec("sector", FieldType.STRING, fmt="code_list", code_list=("agri", "industry", "services")),
    ),
    unit="id_no",
    resource_code="R-PERSONS",
)

JOBS = TableSpec(
    "jobs",
    (
        FieldSpec("person_id", FieldType.STRING, fmt="cn_id"),
        FieldSpec("uscc", FieldType.STRING, FieldRule.IDENTIFIER, fmt="uscc"),
        FieldSpec("wage", FieldType.DECIMAL, FieldRule.SENSITIVE),
        FieldSpec("sector", FieldType.STRING, fmt="code_list", code_list=("agri", "industry", "services")),
    ),
    unit="uscc",
    resource_code="R-JOBS",
)

TABLES = (PERSONS, JOBS)
