"""gunicorn for the web service: `gunicorn -c deploy/gunicorn.conf.py` (Dockerfile, compose).

gunicorn listens on plain HTTP inside the compose network only; the TLS proxy
(deploy/Caddyfile) is the one service published on the host. The access log goes through
backend.logging.redact: the calendar feed's and the confirm/cancel links' tokens, and any
secret-looking query parameter, never reach it.
"""

import gc
import os

from gunicorn.glogging import Logger

from backend.logging import redact

wsgi_app = "backend.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
accesslog = "-"
errorlog = "-"
# Referer is left out: it would hold the previous page's path.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


class RedactingLogger(Logger):
    """gunicorn's logger with the request line, path, query and referer redacted."""

    REDACTED_ATOMS = ("r", "U", "q", "f")

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in self.REDACTED_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        return atoms


logger_class = RedactingLogger


def post_worker_init(worker):
    """Once the worker has imported the application, move what it holds (Django, the models,
    the app registry: a quarter of a million long-lived objects) out of the cyclic garbage
    collector's scans (`gc.freeze`). A full collection then looks only at what requests
    create. Measured in one process on the calendar's week view at service scale, a full
    collection paused it for about 200 ms every ten or so requests; frozen, the CPU per
    request fell by a fifth and p95 from 219 to about 70 ms (docs/benchmarks.md)."""
    gc.freeze()
