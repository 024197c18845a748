"""`shuyu ledger …`: sign checkpoints, export evidence bundles (取证包), verify bundles offline and the
whole store (R18.1 可追溯、可取证)."""

import json
import time
from pathlib import Path

import typer

from .common import TokenOpt, console, current_actor, domain_errors, err_console

app = typer.Typer(help="存证账本 / tamper-evident ledger", no_args_is_help=True)

PublicKeyOpt = typer.Option(
    None, "--public-key", help="所信任的平台公钥或其指纹 (hex) / trusted public key or its fingerprint"
)


@app.command("checkpoint")
@domain_errors
def checkpoint(
    every: float = typer.Option(0, "--every", help="每隔若干秒签署一次 / sign every N seconds (0: once)"),
) -> None:
    """签署当前树头 / sign the current tree head with the platform key (run from cron or with --every)."""
    from shuyu.core.actors import Actor
    from shuyu.ledger import services

    while True:
        try:
            cp = services.sign_checkpoint(Actor.system("ledger-checkpoint"))
        except services.LedgerIntegrityError as e:
            err_console.print(
                f"[bold red]R18.1 拒绝签署：账本与上一检查点不一致 / refused to sign[/bold red]: {e}"
            )
            raise typer.Exit(1) from None
        console.print(
            f"检查点 checkpoint: size={cp.tree_size} root={cp.root_hash} "
            f"signed_at={cp.signed_at.isoformat()} key={cp.key_fingerprint}"
        )
        if not every:
            return
        time.sleep(every)


@app.command("public-key")
def public_key() -> None:
    """显示平台公钥及指纹 / print the platform public key (PEM) and its fingerprint."""
    from shuyu.ledger import signing

    console.print(signing.public_key_pem(), end="")
    console.print(f"fingerprint (sha256): {signing.fingerprint()}")


@app.command("export")
@domain_errors
def export(
    subject: str = typer.Option(..., "--subject", help="如 authorization.agreement/42"),
    output: Path = typer.Option(..., "-o", "--output", help="取证包文件 / bundle file"),
    token: str | None = TokenOpt,
) -> None:
    """导出某对象的取证包 / write the evidence bundle of one subject (entries, proofs, checkpoint, key)."""
    from shuyu.ledger import services

    actor = current_actor(token)
    kind, ident = services.parse_subject(subject)
    bundle = services.export_evidence(actor, subject_kind=kind, subject_id=ident)
    output.write_text(json.dumps(bundle, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    cp = bundle["checkpoint"]
    console.print(
        f"已导出 {len(bundle['entries'])} 条 / exported {len(bundle['entries'])} entries → {output}\n"
        f"tree size {cp['tree_size']}, root {cp['root_hash']}, key {cp['key_fingerprint']}"
    )


@app.command("verify")
def verify(
    bundle: Path | None = typer.Argument(
        None, help="取证包；省略则校验整个账本 / bundle; omit to verify the store"
    ),
    public_key: str | None = PublicKeyOpt,
) -> None:
    """校验取证包（离线，无需数据库）或整个账本 / verify a bundle offline, or the whole store."""
    if bundle is not None:
        _verify_bundle(bundle, public_key)
    else:
        _verify_store(public_key)


def _verify_bundle(path: Path, public_key: str | None) -> None:
    # Only `evidence` (pure) is used: no database, no settings beyond what the CLI loads anyway.
    from shuyu.ledger import evidence

    try:
        report = evidence.verify_bundle(json.loads(path.read_text(encoding="utf-8")), trusted_key=public_key)
    except (OSError, ValueError) as e:
        err_console.print(f"[bold red]无法读取取证包 / cannot read bundle[/bold red]: {e}")
        raise typer.Exit(1) from None
    except evidence.InvalidEvidence as e:
        where = f" (seq {e.seq})" if e.seq is not None else ""
        err_console.print(
            f"[bold red]R18.1 校验失败 / verification FAILED{where}[/bold red]: {e.zh} / {e.en}"
        )
        raise typer.Exit(1) from None
    console.print(
        f"[green]通过 / OK[/green]: {report.entries} 条 entries of {report.subject} are in the tree of size "
        f"{report.tree_size} (root {report.root_hash}), signed {report.signed_at} by key {report.key_fingerprint}"
    )
    if not public_key:
        console.print("请将密钥指纹与平台公布的指纹比对 / compare the key fingerprint with the published one")


def _verify_store(public_key: str | None) -> None:
    from shuyu.ledger import services

    report = services.verify_store(trusted_key=public_key)
    if not report.ok:
        where = f"seq {report.first_bad_seq}" if report.first_bad_seq is not None else "checkpoints"
        err_console.print(f"[bold red]R18.1 账本校验失败 / ledger verification FAILED at {where}[/bold red]")
        err_console.print(f"{report.zh} / {report.en}")
        raise typer.Exit(1)
    console.print(
        f"[green]通过 / OK[/green]: {report.size} entries, root {report.root_hash}, "
        f"{report.checkpoints} signed checkpoints match"
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="ledger")
