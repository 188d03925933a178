"""Production gunicorn settings, used by `make run` and by the benchmarks (`make bench`).

Override the address with SHOP_BIND and the worker count with SHOP_WORKERS.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("SHOP_BIND", "127.0.0.1:5000")
# Two sync workers per core: requests are short and mostly wait on the database.
workers = int(os.environ.get("SHOP_WORKERS", 2 * multiprocessing.cpu_count()))
worker_class = "sync"
# Import the app once in the master; workers share its memory pages (copy on write).
preload_app = True


def pre_fork(server: object, worker: object) -> None:
    """Keep the preloaded app's objects out of the workers' garbage collections.

    Every collection writes to the header of each object it visits, so without this each
    worker soon holds its own copy of every page of the app that the fork shared with the
    master. Frozen objects are never visited: their pages stay shared.
    """
    gc.freeze()


timeout = 60
graceful_timeout = 20
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 20000
max_requests_jitter = 2000
# The access log names the path but never the query string: OCI logins carry passwords there.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
