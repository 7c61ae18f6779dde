"""`python -m tandem up --cluster`: the whole cluster on one machine, from the usual config.yml.

The profile is a set of environment overrides (TANDEM_..., the way any setting is overridden), put in
this process's environment before the settings are read, so the launcher and every child it starts see
the same settings. A variable already set wins over the profile:

    TANDEM_CLUSTER__REDIS_URL=redis://127.0.0.1:6380/0   Redis, started with the stack
    TANDEM_CLUSTER__GATEWAYS=2                            two gateways behind HAProxy
    TANDEM_RASA__WORKERS=2                                two Rasa workers
    TANDEM_STORE_URL=<the private PostgreSQL's URL>       started under <data_dir>/postgres on port 5433
                                                          (tandem/postgres.py) and stopped on exit,
                                                          unless TANDEM_STORE_URL is already given
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, MutableMapping

from tandem import postgres
from tandem.config import settings

POSTGRES_PORT = 5433
STORE_URL_ENV = "TANDEM_STORE_URL"
CLUSTER = {
    "TANDEM_CLUSTER__REDIS_URL": "redis://127.0.0.1:6380/0",
    "TANDEM_CLUSTER__GATEWAYS": "2",
    "TANDEM_RASA__WORKERS": "2",
}

log = logging.getLogger(__name__)


@contextlib.contextmanager
def cluster_profile(environ: MutableMapping[str, str] = os.environ) -> Iterator[None]:
    """The cluster profile applied to environ (os.environ: the children inherit it) for the duration."""
    added = [name for name in (*CLUSTER, STORE_URL_ENV) if name not in environ]
    for name, value in CLUSTER.items():
        environ.setdefault(name, value)
    settings.cache_clear()  # read again, with the profile
    server = None
    try:
        if STORE_URL_ENV in added:
            s = settings()
            server = postgres.up(s.resolve(s.data_dir) / "postgres", POSTGRES_PORT)
            log.info(
                "private PostgreSQL started", extra={"port": POSTGRES_PORT, "data": str(server.data_dir)}
            )
            environ[STORE_URL_ENV] = server.url  # in the environment, never on a command line
            settings.cache_clear()
        yield
    finally:
        if server is not None:
            postgres.down(server.data_dir)
        for name in added:
            environ.pop(name, None)
        settings.cache_clear()
