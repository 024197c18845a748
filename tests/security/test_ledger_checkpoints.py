"""Found by the audit: signing a checkpoint of an unchanged tree ran an empty SQL statement
(a 500 on PostgreSQL)."""


def test_r18_1_signing_a_checkpoint_twice_with_no_new_entry_is_not_a_500(client, bearer, db):
    from conftest import an_admin

    headers = bearer(an_admin())
    first = client.post("/api/ledger/checkpoints", headers=headers)
    second = client.post("/api/ledger/checkpoints", headers=headers)
    assert first.status_code == 201 and second.status_code in (201, 422)
