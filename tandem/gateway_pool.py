"""A cluster's gateway side on one machine (cluster.redis_url set): Redis, N gateway processes on
loopback ports of their own, and HAProxy in front of them on gateway.port and gateway.internal_port,
where one gateway would listen. Everything else (Rasa, voice, the tests) keeps using those addresses.

Gateway i of 1..N listens on 127.0.0.1, public on cluster.gateway_ports_from + 2i - 2 and internal on
the next port; its environment overrides the file's gateway section (TANDEM_GATEWAY__PORT and the
rest), and adds 127.0.0.1 to gateway.trusted_proxies so its per-address limits see HAProxy's
X-Forwarded-For, the real client.

Where systemd runs them instead (deploy/systemd/), Redis's and HAProxy's configs come from here too:

    python -m tandem.gateway_pool redis      # writes <data_dir>/redis/redis.conf, prints its path
    python -m tandem.gateway_pool haproxy    # writes <data_dir>/haproxy/haproxy.cfg, prints its path
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tandem import haproxy, redis_server
from tandem.config import Settings, settings
from tandem.haproxy import Backend
from tandem.managed_process import GATEWAY_PYTHON, ManagedProcess
from tandem.secrets import Secrets, load_secrets

LOOPBACK = "127.0.0.1"


def backends(s: Settings) -> list[Backend]:
    first = s.cluster.gateway_ports_from
    pool = [
        Backend(f"gateway-{i}", first + 2 * i - 2, first + 2 * i - 1)
        for i in range(1, s.cluster.gateways + 1)
    ]
    taken = {s.gateway.port, s.gateway.internal_port}
    clash = sorted(taken & {port for b in pool for port in (b.port, b.internal_port)})
    if clash:
        raise ValueError(
            f"cluster.gateway_ports_from {first}: the gateways' ports would take {clash}, which HAProxy "
            "listens on (gateway.port, gateway.internal_port)"
        )
    return pool


def gateway_env(s: Settings, backend: Backend) -> dict[str, str]:
    """The environment that makes one gateway process of the pool out of the file's settings."""
    trusted = [*s.gateway.trusted_proxies, *([] if LOOPBACK in s.gateway.trusted_proxies else [LOOPBACK])]
    return {
        "TANDEM_GATEWAY__HOST": LOOPBACK,
        "TANDEM_GATEWAY__PORT": str(backend.port),
        "TANDEM_GATEWAY__INTERNAL_HOST": LOOPBACK,
        "TANDEM_GATEWAY__INTERNAL_PORT": str(backend.internal_port),
        "TANDEM_GATEWAY__TRUSTED_PROXIES": json.dumps(trusted),
    }


def gateway_processes(
    s: Settings, secrets: Secrets, base_env: dict[str, str], plain_env: dict[str, str], logs: Path
) -> list[ManagedProcess]:
    """Redis (when cluster.start_services), the gateways, then HAProxy (likewise), in starting order.

    Redis gets no secret in its environment (its password is in its 0600 config file); HAProxy none."""
    if not s.cluster.enabled:
        raise ValueError("a gateway pool needs cluster.redis_url")
    if s.cluster.gateways > 1 and s.store_url.startswith("sqlite"):
        # Each gateway would hold its own SQLite writer on one file: writes queue on the file lock and a
        # busy gateway's turn times out. The cluster's store is a server.
        raise ValueError(
            "cluster.gateways > 1 needs a PostgreSQL store_url (TANDEM_STORE_URL); SQLite serves one gateway"
        )
    gateways = [
        ManagedProcess(
            b.name,
            [str(GATEWAY_PYTHON), "-m", "tandem", "serve"],
            {**base_env, **gateway_env(s, b)},
            logs / f"{b.name}.log",
        )
        for b in backends(s)
    ]
    if not s.cluster.start_services:
        return gateways
    redis, proxy = write_redis_config(s, secrets), write_haproxy_config(s)
    return [
        ManagedProcess("redis", redis.command(), plain_env, logs / "redis.log", ready_port=redis.port),
        *gateways,
        ManagedProcess("haproxy", proxy.command(), plain_env, logs / "haproxy.log"),
    ]


def write_redis_config(s: Settings, secrets: Secrets) -> redis_server.RedisPlan:
    if s.cluster.redis_url is None:
        raise ValueError("cluster.redis_url is not set")
    port = redis_server.redis_port(s.cluster.redis_url)
    password = secrets.redis_password.get_secret_value()
    return redis_server.write_config(s.resolve(s.data_dir) / "redis", port, password)


def write_haproxy_config(s: Settings) -> haproxy.HaproxyPlan:
    gateway = s.gateway
    tls = None
    if gateway.tls_cert is not None and gateway.tls_key is not None:
        tls = (s.resolve(gateway.tls_cert), s.resolve(gateway.tls_key))
    return haproxy.write_config(s.resolve(s.data_dir) / "haproxy", gateway, backends(s), tls)


def main(argv: list[str]) -> None:
    s = settings()
    if argv == ["redis"]:
        print(write_redis_config(s, load_secrets(s)).config_path)
    elif argv == ["haproxy"]:
        print(write_haproxy_config(s).config_path)
    else:
        sys.exit("usage: python -m tandem.gateway_pool redis | haproxy")


if __name__ == "__main__":
    main(sys.argv[1:])
