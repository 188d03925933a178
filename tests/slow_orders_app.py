"""The shop with one purchase order that overruns gunicorn's worker timeout (threat model F3).

``tests/test_worker_timeout.py`` serves this under real gunicorn with a short ``--timeout``.
The first OrderRequest to arrive after the file named by ``SLOW_ONCE_FILE`` was created
sleeps, once its raw document is stored and before the order is made, for longer than the
timeout: gunicorn's master then kills the worker mid-request, exactly where a stuck database
or a runaway loop would leave it. The file is removed first, so the buyer's retry runs at
normal speed. Never part of the shop: only that test loads this module.
"""

from __future__ import annotations

import os
import time
from typing import Any

from flask import Flask

from shop import create_app
from shop.orders import po_apply

SLEEP_SECONDS = 30.0


def create_slow_app() -> Flask:
    prepare = po_apply.prepare

    def prepare_slowly(context: Any, document: Any) -> Any:
        try:
            os.remove(os.environ["SLOW_ONCE_FILE"])
        except FileNotFoundError:
            pass  # not armed, or another request took it
        else:
            time.sleep(SLEEP_SECONDS)
        return prepare(context, document)

    # The intake calls po_apply.prepare through the module, between storing and processing.
    po_apply.prepare = prepare_slowly
    return create_app()
