"""A separate process for the concurrency and crash tests: appends to the database in $SHUYU_DATABASE_URL.

`python -m shuyu.ledger.tests.ledger_worker ROUNDS BATCH [--hang]`: ROUNDS transactions of BATCH entries,
printing each committed round; with --hang it prints "uncommitted" inside the last transaction and waits
there to be killed.
"""

import os
import sys
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuyu.settings")
    import django

    django.setup()
    from django.db import transaction

    from shuyu import ledger
    from shuyu.core.actors import Actor

    rounds, batch, hang = int(sys.argv[1]), int(sys.argv[2]), "--hang" in sys.argv
    actor = Actor.system(f"worker-{os.getpid()}")
    for i in range(rounds):
        with transaction.atomic():
            if batch == 1:
                ledger.append(actor, "test.worker.appended", ("test.worker", os.getpid()), {"round": i})
            else:
                items = [
                    ("test.worker.appended", ("test.worker", os.getpid()), {"round": i, "n": j})
                    for j in range(batch)
                ]
                ledger.append_many(actor, items)
            if hang and i == rounds - 1:
                print("uncommitted", flush=True)
                time.sleep(120)
        print(f"committed {i}", flush=True)


if __name__ == "__main__":
    main()
