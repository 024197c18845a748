"""CLI for organizations, people, tokens, 失信 records: `shuyu token …`, `shuyu org …`, `shuyu person …`."""

import datetime as dt

import typer

from .common import TokenOpt, console, current_actor, domain_errors

token_app = typer.Typer(help="API 令牌 / bearer tokens", no_args_is_help=True)
org_app = typer.Typer(help="单位 / organizations", no_args_is_help=True)
person_app = typer.Typer(help="人员 / people", no_args_is_help=True)
credit_app = typer.Typer(help="失信记录 / dishonesty records (R14.2)", no_args_is_help=True)


@token_app.command("issue")
@domain_errors
def token_issue(
    username: str = typer.Option(..., "--username", "-u", help="用户名 / username"),
    password: str = typer.Option(..., prompt="密码 / password", hide_input=True),
    label: str = typer.Option("cli", help="用途 / what the token is for"),
) -> None:
    """签发本人令牌（仅显示一次）/ issue a token for yourself; it is shown once only."""
    from shuyu.orgs import tokens

    issued = tokens.issue_token_with_password(username=username, password=password, label=label)
    console.print(
        f"令牌编号 / token id: {issued.token.pk}，有效期至 / expires: {issued.token.expires_at:%Y-%m-%d}"
    )
    console.print("请妥善保存，令牌只显示这一次 / keep it safe, it is shown only once:")
    typer.echo(issued.raw)


@token_app.command("list")
@domain_errors
def token_list(token: str | None = TokenOpt) -> None:
    """列出本人的令牌 / list your tokens."""
    from shuyu.orgs import tokens

    for t in tokens.tokens_for(current_actor(token)):
        state = "已吊销 revoked" if t.revoked_at else f"至 until {t.expires_at:%Y-%m-%d}"
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "-"
        console.print(f"{t.pk}\t{t.prefix}…\t{t.label}\t{state}\tlast used {used}")


@token_app.command("revoke")
@domain_errors
def token_revoke(
    token_id: int = typer.Argument(..., help="令牌编号 / token id"), token: str | None = TokenOpt
) -> None:
    """吊销令牌（本人的；管理员可吊销任何人的）/ revoke a token (yours; an administrator any)."""
    from shuyu.orgs import tokens

    t = tokens.revoke_token(current_actor(token), token_id=token_id)
    console.print(f"已吊销 / revoked: {t.pk} ({t.prefix}…)")


@org_app.command("add")
@domain_errors
def org_add(
    uscc: str = typer.Option(..., help="统一社会信用代码 / unified social credit code"),
    name: str = typer.Option(..., help="名称 / name"),
    kind: str = typer.Option(..., help="主体类型（角色）/ kind, e.g. operator, data_source_unit"),
    region: str = typer.Option(..., help="行政区划代码 / GB/T 2260 region code, e.g. 510100"),
    token: str | None = TokenOpt,
) -> None:
    """登记单位（平台管理员）/ add an organization (platform administrator)."""
    from shuyu.orgs import services

    org = services.create_organization(
        current_actor(token), uscc=uscc, name=name, kind=kind, region_code=region
    )
    console.print(f"已登记 / added: {org.pk} {org.name}（{org.uscc}，{org.region_id}）")
    for w in org.uscc_warnings:
        console.print(f"[yellow]提示 / warning: {w}[/yellow]")


@person_app.command("add")
@domain_errors
def person_add(
    username: str = typer.Option(..., help="用户名 / username"),
    display_name: str = typer.Option(..., "--name", help="姓名 / display name"),
    org: int = typer.Option(..., "--org", help="单位编号 / organization id"),
    role: list[str] = typer.Option(..., "--role", help="角色，可重复 / role (repeatable)"),
    password: str = typer.Option(
        ..., prompt="初始密码 / initial password", hide_input=True, confirmation_prompt=True
    ),
    token: str | None = TokenOpt,
) -> None:
    """创建人员账户（平台管理员）/ add a person's account (platform administrator)."""
    from shuyu.orgs import services

    person = services.create_person(
        current_actor(token),
        username=username,
        password=password,
        display_name=display_name,
        org_id=org,
        roles=role,
    )
    console.print(f"已创建 / added: {person.pk} {username} {','.join(person.roles)}")


@credit_app.command("record")
@domain_errors
def credit_record(
    org: int = typer.Option(..., "--org", help="单位编号 / organization id"),
    kind: str = typer.Option(
        ..., help="serious_dishonesty | administrative_penalty | abnormal_operation | …"
    ),
    source: str = typer.Option(..., help="来源（公示机关/系统）/ source"),
    recorded_on: str = typer.Option(..., "--on", help="认定日期 YYYY-MM-DD / recorded on"),
    expires_on: str | None = typer.Option(None, "--until", help="有效期至 YYYY-MM-DD / expires on"),
    document: str = typer.Option("", help="文书编号或链接 / document"),
    token: str | None = TokenOpt,
) -> None:
    """登记失信记录（数据管理部门）/ record a dishonesty fact (data administration, R14.2)."""
    from shuyu.orgs import services

    r = services.record_dishonesty(
        current_actor(token),
        org_id=org,
        kind=kind,
        source=source,
        document=document,
        recorded_on=_date(recorded_on),
        expires_on=_date(expires_on) if expires_on else None,
    )
    console.print(f"已登记失信记录 / recorded: {r.pk}")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"日期应为 YYYY-MM-DD / date must be YYYY-MM-DD: {value}") from None


@domain_errors
def whoami(token: str | None = TokenOpt) -> None:
    """当前身份 / who am I (person, organization, roles, region)."""
    from shuyu.orgs import selectors

    me = selectors.whoami(current_actor(token))
    console.print(f"{me['display_name']} (#{me['person_id']})")
    console.print(f"{me['org_name']}（{me['org_uscc']}）")
    console.print(f"角色 / roles: {', '.join(me['roles'])}")
    console.print(f"行政区划 / region: {me['region_name']}（{me['region_code']}）")


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root `shuyu` app."""
    root.add_typer(token_app, name="token")
    root.add_typer(org_app, name="org")
    root.add_typer(person_app, name="person")
    root.add_typer(credit_app, name="credit")
    root.command("whoami")(whoami)
