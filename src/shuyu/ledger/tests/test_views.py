"""The public ledger page and the checkpoint include used on the home page (R18.1, R24.1)."""

from django.db import transaction
from django.template import Context, Template
from django.test import Client

from shuyu import ledger
from shuyu.core.actors import Actor
from shuyu.ledger import services

SYSTEM = Actor.system("ledger-test")


def test_r18_1_ledger_page_is_public_and_shows_checkpoint_and_key(db):
    with transaction.atomic():
        ledger.append_many(SYSTEM, [("test.thing.made", ("test.thing", i), {}) for i in range(3)])
    cp = services.sign_checkpoint(SYSTEM)
    html = Client().get("/ledger/").content.decode()
    assert cp.root_hash in html and cp.key_fingerprint in html and "BEGIN PUBLIC KEY" in html


def test_ledger_page_before_any_checkpoint(db):
    response = Client().get("/ledger/")
    assert response.status_code == 200 and "尚未签署检查点" in response.content.decode()


def test_r18_1_checkpoint_tag_renders_the_latest_signed_head(db):
    services.sign_checkpoint(SYSTEM)
    with transaction.atomic():
        ledger.append(SYSTEM, "test.thing.made", ("test.thing", 1), {})
    latest = services.sign_checkpoint(SYSTEM)
    html = Template("{% load ledger_tags %}{% ledger_checkpoint %}").render(Context({}))
    assert latest.root_hash in html and latest.key_fingerprint in html
    assert '<dd class="tree-size">1</dd>' in html
