"""Deterministic synthetic data for six Sichuan public data resources (demo, tests, benchmarks).

Every value is computed from the row number and a seed with DuckDB's `hash`, so the same (seed, rows)
always gives byte-identical files, 10 million rows take seconds, and no real person or enterprise is
described: ID numbers and USCCs carry valid check characters but are synthetic (NATIONAL.md §8, §9).
"""

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .quality import USCC_CHARSET
from .rules import ID_WEIGHTS, FieldSpec

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华")
DISTRICTS = [
    "510104", "510105", "510106", "510107", "510108", "510112", "510113", "510114", "510115", "510116",
    "510117", "510118", "510121", "510129", "510131", "510181", "510182", "510183", "510184", "510185",
    "510302", "510402", "510502", "510603", "510703", "510802", "510903", "511002", "511102", "511302",
]  # fmt: skip
# One planted record (R04.1): the name of the first 社保 record is a canary the suite-wide canary net
# (shuyu.testing.canary) looks for in every response, download, log, ledger entry and job record.
CANARY = "金丝雀Canary3d7a"
INDUSTRIES = ["A", "C", "E", "F", "G", "H", "I", "K", "L", "M"]  # GB/T 4754 门类 (subset)


def _pick(values: list[str], h: str) -> str:
    arr = "[" + ", ".join("'" + v + "'" for v in values) + "]"
    return f"{arr}[(({h}) % {len(values)})::BIGINT + 1]"


def _h(seed: int, salt: str) -> str:
    # hash() is UBIGINT; shifted and reduced in BIGINT so arithmetic stays signed and exact.
    return f"(hash(i, {seed}, '{salt}') >> 1)::BIGINT"


def _id_sql(seed: int) -> str:
    """An 18-character 公民身份号码 with a valid GB 11643 check character (macro `cnid`)."""
    h = _h(seed, "id")
    body = (
        f"({_pick(DISTRICTS, h)} || strftime(DATE '1950-01-01' + (({h} >> 8) % 20000)::INTEGER, '%Y%m%d') "
        f"|| lpad(((i * 7 + {seed}) % 1000)::VARCHAR, 3, '0'))"
    )
    return f"cnid({body})"


def _uscc_sql(seed: int, salt: str = "uscc") -> str:
    """A 统一社会信用代码 with a valid GB 32100 check character (macro `uscc`); row i's code is unique."""
    h = _h(seed, salt)
    digits = "translate(lpad(upper(to_base(i, 30)), 7, '0'), 'ABCDEFGHIJKLMNOPQRST', 'ABCDEFGHJKLMNPQRTUWX')"
    return f"uscc('91' || {_pick(DISTRICTS, h)} || 'MA' || {digits})"


def _macros() -> list[str]:
    cs = f"'{USCC_CHARSET}'"
    id_total = " + ".join(f"(ascii(substr(b, {k + 1}, 1)) - 48) * {w}" for k, w in enumerate(ID_WEIGHTS))
    uscc_total = " + ".join(f"(strpos({cs}, substr(b, {k + 1}, 1)) - 1) * {pow(3, k, 31)}" for k in range(17))
    return [
        f"CREATE MACRO cnid(b) AS b || substr('10X98765432', (({id_total}) % 11)::INTEGER + 1, 1)",
        f"CREATE MACRO uscc(b) AS b || substr({cs}, ((31 - ({uscc_total}) % 31) % 31)::INTEGER + 1, 1)",
    ]


def _name_sql(seed: int) -> str:
    h = _h(seed, "name")
    return f"({_pick(SURNAMES, h)} || {_pick(GIVEN, f'{h} >> 5')} || {_pick(GIVEN, f'{h} >> 11')})"


def _money(seed: int, salt: str, lo: int, hi: int) -> str:
    return f"(({lo * 100} + {_h(seed, salt)} % {(hi - lo) * 100})::DECIMAL(18,2) / 100)::DECIMAL(18,2)"


def _date(seed: int, salt: str, start: str, days: int) -> str:
    return f"(DATE '{start}' + ({_h(seed, salt)} % {days})::INTEGER)"


@dataclass(frozen=True)
class ResourceSpec:
    """One synthetic resource: catalog metadata, fields, grading and the generating SELECT."""

    key: str
    code: str
    name: str
    provider: str  # suggested name of the data source unit
    industry_authority: str
    sector: str
    region_code: str
    description: str
    update_frequency: str
    open_attribute: str
    fields: list[FieldSpec]
    impacts: list[tuple[str, str]]
    grading_factors: dict
    select: callable  # (seed) -> SQL over range(rows) t(i)
    consistency: list[tuple[str, str, str]] = field(default_factory=list)


def F(name, label, type="string", **kw) -> FieldSpec:  # noqa: N802 - a table of fields reads better
    return FieldSpec(name=name, label=label, type=type, **kw)


SPECS: dict[str, ResourceSpec] = {
    s.key: s
    for s in [
        ResourceSpec(
            key="market",
            code="SC-SCJG-QYDJ",
            name="市场主体登记信息",
            provider="四川省市场监督管理局",
            industry_authority="国家市场监督管理总局",
            sector="市场监管",
            region_code="510000",
            description="全省企业的登记注册信息：名称、法定代表人、注册资本、成立日期、登记状态。",
            update_frequency="daily",
            open_attribute="conditional",
            fields=[
                F(
                    "uscc",
                    "统一社会信用代码",
                    format="uscc",
                    sensitivity="direct",
                    is_key=True,
                    is_disclosure_unit=True,
                ),
                F("ent_name", "企业名称"),
                F("legal_rep", "法定代表人", sensitivity="direct"),
                F("reg_capital", "注册资本", "decimal", unit="万元"),
                F("established_on", "成立日期", "date"),
                F("district", "登记机关区划", format="region", sensitivity="quasi"),
                F("industry", "行业门类", format="code_list", code_list=tuple(INDUSTRIES)),
                F("status", "登记状态", format="code_list", code_list=("存续", "注销", "吊销", "迁出")),
            ],
            impacts=[("organization_rights", "serious"), ("economic_operation", "general")],
            grading_factors={"规模": "全省市场主体", "覆盖度": "全量"},
            select=lambda s: (
                f"SELECT {_uscc_sql(s)} AS uscc, "
                f"'四川' || {_pick(['蜀', '锦', '天府', '巴', '峨眉', '川'], _h(s, 'en'))} || {_pick(['科技', '商贸', '建设', '农业', '文旅', '物流'], _h(s, 'ei'))} || '有限公司' || i AS ent_name, "
                f"{_name_sql(s)} AS legal_rep, {_money(s, 'cap', 10, 50000)} AS reg_capital, "
                f"{_date(s, 'est', '1995-01-01', 11000)} AS established_on, {_pick(DISTRICTS, _h(s, 'd'))} AS district, "
                f"{_pick(INDUSTRIES, _h(s, 'ind'))} AS industry, "
                f"CASE WHEN {_h(s, 'st')} % 10 < 8 THEN '存续' WHEN {_h(s, 'st')} % 10 = 8 THEN '注销' ELSE '吊销' END AS status"
            ),
        ),
        ResourceSpec(
            key="tax",
            code="SC-SW-NSXY",
            name="纳税信用等级评价结果",
            provider="国家税务总局四川省税务局",
            industry_authority="国家税务总局",
            sector="税务",
            region_code="510000",
            description="企业年度纳税信用等级（A、B、M、C、D）及评价日期。",
            update_frequency="yearly",
            open_attribute="conditional",
            fields=[
                F(
                    "uscc",
                    "统一社会信用代码",
                    format="uscc",
                    sensitivity="direct",
                    is_key=True,
                    is_disclosure_unit=True,
                ),
                F("year", "评价年度", "integer", is_key=True),
                F("rating", "纳税信用等级", format="code_list", code_list=("A", "B", "M", "C", "D")),
                F("assessed_on", "评价日期", "date"),
            ],
            impacts=[("organization_rights", "serious")],
            grading_factors={"规模": "全省纳税人"},
            select=lambda s: (
                f"SELECT {_uscc_sql(s)} AS uscc, 2025 AS year, "
                f"{_pick(['A', 'A', 'B', 'B', 'B', 'M', 'M', 'C', 'D'], _h(s, 'r'))} AS rating, "
                f"{_date(s, 'ad', '2026-04-01', 60)} AS assessed_on"
            ),
        ),
        ResourceSpec(
            key="hrss",
            code="SC-RS-SBJF",
            name="社会保险参保缴费记录",
            provider="四川省人力资源和社会保障厅",
            industry_authority="人力资源和社会保障部",
            sector="人力资源和社会保障",
            region_code="510000",
            description="参保人员按月缴纳养老、医疗、失业保险的基数与金额。",
            update_frequency="monthly",
            open_attribute="conditional",
            fields=[
                F("record_id", "缴费记录号", "integer", is_key=True),
                F(
                    "id_no",
                    "公民身份号码",
                    format="cn_id",
                    sensitivity="direct",
                    is_disclosure_unit=True,
                    required=True,
                ),
                F("name", "姓名", sensitivity="direct"),
                F("district", "参保地", format="region", sensitivity="quasi"),
                F("insurance", "险种", format="code_list", code_list=("养老", "医疗", "失业", "工伤")),
                F("month", "缴费月份", "date"),
                F("base", "缴费基数", "decimal", unit="元"),
                F("amount", "缴费金额", "decimal", unit="元"),
            ],
            impacts=[("individual_rights", "serious"), ("public_interest", "general")],
            grading_factors={"群体": "全省参保人员", "精度": "个人逐月"},
            select=lambda s: (
                f"SELECT i AS record_id, {_id_sql(s)} AS id_no, "
                f"CASE WHEN i = 0 THEN '{CANARY}' ELSE {_name_sql(s)} END AS name, "
                f"{_pick(DISTRICTS, _h(s, 'd'))} AS district, {_pick(['养老', '医疗', '失业', '工伤'], _h(s, 'ins'))} AS insurance, "
                f"(DATE '2025-01-01' + INTERVAL ({_h(s, 'm')} % 12) MONTH)::DATE AS month, "
                f"{_money(s, 'base', 4000, 20000)} AS base, ({_money(s, 'base', 4000, 20000)} * 0.08)::DECIMAL(18,2) AS amount"
            ),
            consistency=[("amount", "<=", "base")],
        ),
        ResourceSpec(
            key="medical",
            code="SC-YB-JSMX",
            name="医疗保障基金结算明细",
            provider="四川省医疗保障局",
            industry_authority="国家医疗保障局",
            sector="医疗保障",
            region_code="510000",
            description="定点医疗机构就医结算明细：医疗机构等级、诊断编码、总费用与基金支付。",
            update_frequency="daily",
            open_attribute="conditional",
            fields=[
                F("settle_id", "结算流水号", "integer", is_key=True),
                F(
                    "id_no",
                    "公民身份号码",
                    format="cn_id",
                    sensitivity="direct",
                    is_disclosure_unit=True,
                    required=True,
                ),
                F("district", "就医地", format="region", sensitivity="quasi"),
                F(
                    "hospital_level",
                    "医疗机构等级",
                    format="code_list",
                    code_list=("三级", "二级", "一级", "基层"),
                ),
                F("diagnosis", "诊断编码（ICD-10）", sensitivity="sensitive"),
                F("total_cost", "医疗总费用", "decimal", unit="元"),
                F("fund_paid", "基金支付", "decimal", unit="元"),
                F("settled_on", "结算日期", "date"),
            ],
            # Health data of the whole province at personal precision: 重要数据 (N-CLS.2) — needs approval.
            impacts=[("individual_rights", "especially_serious"), ("public_interest", "serious")],
            grading_factors={"群体": "全省参保人员", "精度": "个人就医", "规模": "全量"},
            select=lambda s: (
                f"SELECT i AS settle_id, {_id_sql(s)} AS id_no, {_pick(DISTRICTS, _h(s, 'd'))} AS district, "
                f"{_pick(['三级', '二级', '一级', '基层'], _h(s, 'hl'))} AS hospital_level, "
                f"{_pick(['J18.9', 'I10', 'E11.9', 'K29.7', 'M54.5', 'J06.9', 'N39.0', 'I25.1'], _h(s, 'dx'))} AS diagnosis, "
                f"{_money(s, 'tc', 50, 30000)} AS total_cost, "
                f"({_money(s, 'tc', 50, 30000)} * (0.5 + ({_h(s, 'fp')} % 40) / 100.0))::DECIMAL(18,2) AS fund_paid, "
                f"{_date(s, 'sd', '2025-01-01', 365)} AS settled_on"
            ),
            consistency=[("fund_paid", "<=", "total_cost")],
        ),
        ResourceSpec(
            key="utility",
            code="SC-GY-SDQJF",
            name="水电气缴费记录",
            provider="成都市公用事业服务中心",
            industry_authority="成都市住房和城乡建设局",
            sector="公用事业",
            region_code="510100",
            description="居民户水、电、燃气按月缴费金额与欠费天数。",
            update_frequency="monthly",
            open_attribute="conditional",
            fields=[
                F("bill_id", "账单号", "integer", is_key=True),
                F(
                    "id_no",
                    "户主公民身份号码",
                    format="cn_id",
                    sensitivity="direct",
                    is_disclosure_unit=True,
                    required=True,
                ),
                F("account_no", "户号", sensitivity="direct"),
                F("utility", "类别", format="code_list", code_list=("水", "电", "气")),
                F("month", "账期", "date"),
                F("amount", "缴费金额", "decimal", unit="元"),
                F("overdue_days", "欠费天数", "integer"),
            ],
            impacts=[("individual_rights", "serious")],
            grading_factors={"区域": "成都市", "精度": "户·月"},
            select=lambda s: (
                f"SELECT i AS bill_id, {_id_sql(s)} AS id_no, 'CD' || lpad((({_h(s, 'acc')}) % 100000000)::VARCHAR, 8, '0') AS account_no, "
                f"{_pick(['水', '电', '气'], _h(s, 'u'))} AS utility, (DATE '2025-01-01' + INTERVAL ({_h(s, 'm')} % 12) MONTH)::DATE AS month, "
                f"{_money(s, 'amt', 5, 800)} AS amount, CASE WHEN {_h(s, 'od')} % 10 = 0 THEN ({_h(s, 'odd')} % 120)::BIGINT ELSE 0 END AS overdue_days"
            ),
        ),
        ResourceSpec(
            key="court",
            code="SC-FY-BZXR",
            name="被执行企业信息",
            provider="四川省高级人民法院",
            industry_authority="最高人民法院",
            sector="司法",
            region_code="510000",
            description="涉企执行案件：立案日期、执行标的、执行状态（含失信被执行）。",
            update_frequency="weekly",
            open_attribute="open",
            fields=[
                F("case_no", "案号", is_key=True),
                F(
                    "uscc",
                    "被执行人统一社会信用代码",
                    format="uscc",
                    sensitivity="direct",
                    is_disclosure_unit=True,
                    required=True,
                ),
                F("court", "执行法院"),
                F("filed_on", "立案日期", "date"),
                F("amount", "执行标的", "decimal", unit="元"),
                F(
                    "status",
                    "执行状态",
                    format="code_list",
                    code_list=("执行中", "已结案", "终结本次执行", "失信被执行"),
                ),
            ],
            impacts=[("organization_rights", "serious"), ("social_order", "general")],
            grading_factors={"规模": "全省涉企执行案件"},
            select=lambda s: (
                f"SELECT '（2025）川' || lpad(((i % 97) + 1)::VARCHAR, 2, '0') || '01执' || i || '号' AS case_no, "
                f"{_uscc_sql(s)} AS uscc, {_pick(['成都市中级人民法院', '绵阳市中级人民法院', '德阳市中级人民法院', '宜宾市中级人民法院', '南充市中级人民法院'], _h(s, 'c'))} AS court, "
                f"{_date(s, 'fd', '2023-01-01', 1000)} AS filed_on, {_money(s, 'amt', 1000, 5000000)} AS amount, "
                f"{_pick(['执行中', '已结案', '终结本次执行', '失信被执行'], _h(s, 'st'))} AS status"
            ),
        ),
    ]
}


def write_csv(
    key: str, path: Path, *, rows: int = 100_000, seed: int = 20260301, encoding: str = "utf-8"
) -> Path:
    """Write the resource's synthetic rows as CSV with a header; GBK output is transcoded in a stream."""
    spec = SPECS[key]
    path = Path(path)
    target = path if encoding == "utf-8" else path.with_suffix(".utf8.tmp")
    con = duckdb.connect(config={"threads": 2})
    try:
        for macro in _macros():
            con.execute(macro)
        select = spec.select(seed)
        con.execute(
            f"COPY ({select} FROM range({int(rows)}) t(i) ORDER BY i) TO '{target}' (HEADER, DELIMITER ',', QUOTE '\"')"
        )
    finally:
        con.close()
    if target != path:
        with open(target, encoding="utf-8") as fin, open(path, "w", encoding=encoding, newline="") as fout:
            while chunk := fin.read(1 << 20):
                fout.write(chunk)
        target.unlink()
    return path
