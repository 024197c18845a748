"""The suite-wide canary net (shuyu.testing.canary) catches a planted leak on every channel it watches.

In this process each channel is fed a canary and the recorded leak is drained, so the suite stays green;
a separate pytest run (under pytest-xdist) shows that a leaking test really fails, naming the channel.
"""

import logging
import os
import subprocess
import sys
import textwrap

import pytest
from django.core import mail
from django.db import transaction
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.urls import path

from shuyu.testing import canary

CANARY = canary.CANARIES[0]


def _echo(request):
    return HttpResponse(f"<p>姓名 {CANARY}-name</p>")


def _stream(request):
    half = len(CANARY) // 2  # the canary split across two chunks
    return StreamingHttpResponse(iter([b"a,b\n", CANARY[:half].encode(), CANARY[half:].encode(), b"\n"]))


def _file(request):
    return FileResponse(open(request.GET["p"], "rb"))  # noqa: SIM115 — the response closes it


def _header(request):
    r = HttpResponse("ok")
    r["Content-Disposition"] = f'attachment; filename="{CANARY}.csv"'
    return r


def _clean(request):
    return HttpResponse("合计 80")


urlpatterns = [
    path("echo", _echo),
    path("stream", _stream),
    path("file", _file),
    path("header", _header),
    path("clean", _clean),
]


def _channels(leaks):
    return sorted(leak.split(":")[0] for leak in leaks)


@pytest.mark.urls(__name__)
def test_r04_1_canary_net_catches_responses_streams_files_and_headers(client, tmp_path):
    canary.NET.drain()
    assert client.get("/clean").status_code == 200 and canary.NET.drain() == []

    client.get("/echo")
    assert _channels(canary.NET.drain()) == ["response"]
    assert b"".join(client.get("/stream").streaming_content).count(CANARY.encode()) == 1
    assert _channels(canary.NET.drain()) == ["streamed response"]
    f = tmp_path / "out.csv"
    f.write_text(f"x\n{CANARY}\n")
    assert b"".join(client.get("/file", {"p": str(f)}).streaming_content) == f.read_bytes()
    assert _channels(canary.NET.drain()) == ["download"]
    client.get("/header")
    assert _channels(canary.NET.drain()) == ["response header"]


def test_r04_1_canary_net_catches_logs_at_info_and_exceptions():
    canary.NET.drain()
    log = logging.getLogger("shuyu.testing.canary_check")
    log.info("ingested row %s", "Canary9c1e")  # INFO is heard although the root logs WARNING by default
    try:
        raise ValueError(f"bad value {CANARY}")
    except ValueError:
        log.exception("ingest failed")  # the message is clean; the exception text is not
    assert _channels(canary.NET.drain()) == ["log", "log"]


def test_r04_1_canary_net_catches_mail():
    canary.NET.drain()
    mail.send_mail("数据质量告警", f"第3行：{CANARY}", "noreply@example.org", ["ops@example.org"])
    canary.NET.mail()
    mail.outbox.clear()
    assert _channels(canary.NET.drain()) == ["mail"]


class _Rollback(Exception):
    pass


@pytest.mark.django_db
def test_r04_1_canary_net_catches_a_ledger_entry(admin):
    from shuyu import ledger

    canary.NET.drain()
    with pytest.raises(_Rollback), transaction.atomic():
        ledger.append(admin, "testing.canary.planted", ("testing", 1), {"note": f"{CANARY}"})
        canary.NET.database()
        leaks = canary.NET.drain()
        raise _Rollback  # the planted entry goes, so the net's own check of this test stays clean
    assert _channels(leaks) == ["ledger"]


def test_r04_1_canary_net_plants_run_time_values():
    with pytest.raises(ValueError):
        canary.plant("short")
    assert canary.found_in("51340119900101777X") is None
    canary.plant("51340119900101777X")
    assert canary.found_in(b'{"id_no": "51340119900101777X"}') == "51340119900101777X"


LEAKY = textwrap.dedent(
    f'''
    import logging

    import pytest
    from django.http import HttpResponse
    from django.urls import path

    urlpatterns = [path("echo", lambda request: HttpResponse("name: {CANARY}-name"))]


    @pytest.mark.urls(__name__)
    def test_response_leak(client):
        assert client.get("/echo").status_code == 200


    def test_log_leak():
        logging.getLogger("shuyu.x").warning("row %s", "{CANARY}")


    @pytest.mark.urls(__name__)
    def test_clean(client):
        assert client.get("/nowhere").status_code == 404
    '''
)


def test_r04_1_a_leaking_test_fails_naming_the_channel_under_xdist(tmp_path):
    (tmp_path / "test_leaky.py").write_text(LEAKY)
    env = dict(os.environ, SHUYU_DATA_DIR=str(tmp_path / "var"), PYTHONDONTWRITEBYTECODE="1")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "shuyu.testing.canary", "-p", "no:cacheprovider"]
        + ["--ds=shuyu.settings", "-n", "2", "-q", "--rootdir", str(tmp_path), "test_leaky.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = run.stdout
    assert run.returncode == 1, out + run.stderr
    assert "2 failed, 1 passed" in out
    assert "canary leaked" in out
    assert "response: GET /echo → 200 carries the canary" in out
    assert "log: shuyu.x WARNING carries the canary" in out
    # the summary adds up both workers' counts
    assert "3 tests: 2 responses" in out and "leaks: 2" in out


def test_r04_1_canary_net_catches_cli_output():
    import typer
    from typer.testing import CliRunner

    app = typer.Typer()

    @app.command()
    def show(row: int):
        typer.echo(f"第{row}行 {CANARY}")

    canary.NET.drain()
    assert CliRunner().invoke(app, ["3"]).exit_code == 0
    leaks = canary.NET.drain()
    assert _channels(leaks) == ["cli output"] and "shuyu 3" in leaks[0]
