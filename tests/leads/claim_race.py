"""Many reps claim one pool lead at the same moment: each on its own thread and database connection.

``race`` is used in-process on PostgreSQL (threads against the test database) and, on SQLite, in a
child process against a FILE database configured like production (WAL, ``busy_timeout``,
``BEGIN IMMEDIATE``), because the in-memory test database cannot show waiting writers::

    DATABASE_URL=sqlite:///<file> python -m tests.leads.claim_race <lead id> <user id>...

The child prints one JSON line: the outcomes, one per rep, in the order they finished.
Nothing here imports Django models at module level, so the child can call ``django.setup()`` first.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from guanxi.accounts.models import User

BARRIER_TIMEOUT_S = 30.0


class Outcome(TypedDict):
    user: int
    outcome: str  # "won", "conflict" (the 409 refusal) or "error" (anything else: a bug)
    error: str  # the exception's class for "conflict" and "error"
    message: str


def race(reps: Sequence[User], lead_id: Any, language: str = "en") -> list[Outcome]:
    """Every rep calls ``lead_claim`` on its own thread; all start together once their connections are open."""
    from django.db import close_old_connections, connection
    from django.utils import translation

    from guanxi.core.errors import Conflict
    from guanxi.leads import services

    start = threading.Barrier(len(reps), timeout=BARRIER_TIMEOUT_S)
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def claim(rep: User) -> None:
        result = Outcome(user=rep.pk, outcome="won", error="", message="")
        try:
            try:
                connection.ensure_connection()  # a real connection per thread, opened before the start line
            finally:
                start.wait()
            with translation.override(language):  # the refusal in the language the test reads
                services.lead_claim(actor=rep, lead_id=lead_id)
        except Conflict as refusal:
            result = Outcome(user=rep.pk, outcome="conflict", error=type(refusal).__name__, message=str(refusal))
        except Exception as error:  # reported to the test, which fails on it
            result = Outcome(user=rep.pk, outcome="error", error=type(error).__name__, message=str(error))
        finally:
            close_old_connections()
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=claim, args=(rep,), name=f"claim-{rep.pk}") for rep in reps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def main(argv: Sequence[str]) -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    django.setup()
    from django.db import connection

    from guanxi.accounts.models import User

    lead_id, *user_ids = argv
    by_pk = {user.pk: user for user in User.objects.select_related("role", "team").filter(pk__in=user_ids)}
    reps = [by_pk[int(pk)] for pk in user_ids]
    connection.close()  # the main thread holds no connection (and no lock) during the race
    print(json.dumps(race(reps, lead_id), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
