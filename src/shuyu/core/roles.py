"""Roles: exactly the ids of the role table in REQUIREMENTS.md, plus the platform administrator."""

from enum import StrEnum


class Role(StrEnum):
    GOVERNMENT = "government"  # 人民政府（县级以上）: approves plans, 三重一大 (第十三条)
    DATA_ADMIN = (
        "data_admin"  # 数据管理部门: organizes, supervises, receives filings (第七条, 第十三条, 第十五条)
    )
    IMPLEMENTING_AGENCY = "implementing_agency"  # 实施机构 (第三条, 第八条)
    DATA_SOURCE_UNIT = "data_source_unit"  # 数源单位 (第七条)
    INDUSTRY_AUTHORITY = "industry_authority"  # 行业主管部门 (第七条)
    OPERATOR = "operator"  # 运营机构 (第三条, 第十四条)
    DEVELOPER = "developer"  # 开发主体 (第二十条)
    REGISTRAR = "registrar"  # 登记机构 (第十七条, N-REG.3)
    ASSESSOR = "assessor"  # 第三方评估机构 (第二十七条)
    PUBLIC = "public"  # 社会公众 (第二十四条)
    AUDITOR = "auditor"  # 审计机关, read-only (N-OPN.2)
    PRICE_AUTHORITY = "price_authority"  # 价格主管部门 (N-PRICE.*)
    ADMIN = "admin"  # 平台管理员: accounts, calendar data, keys — no business acts


ROLE_LABELS = {
    Role.GOVERNMENT: ("人民政府", "government"),
    Role.DATA_ADMIN: ("数据管理部门", "data administration"),
    Role.IMPLEMENTING_AGENCY: ("实施机构", "implementing agency"),
    Role.DATA_SOURCE_UNIT: ("数源单位", "data source unit"),
    Role.INDUSTRY_AUTHORITY: ("行业主管部门", "industry authority"),
    Role.OPERATOR: ("运营机构", "operator"),
    Role.DEVELOPER: ("开发主体", "developer"),
    Role.REGISTRAR: ("登记机构", "registrar"),
    Role.ASSESSOR: ("第三方评估机构", "third-party assessor"),
    Role.PUBLIC: ("社会公众", "public"),
    Role.AUDITOR: ("审计机关", "audit office"),
    Role.PRICE_AUTHORITY: ("价格主管部门", "price authority"),
    Role.ADMIN: ("平台管理员", "platform administrator"),
}
