"""Chat throughput of the cluster on this machine: 2 gateways behind HAProxy sharing Redis, 2 Rasa
workers, PostgreSQL; beside it, in the same run, one gateway with the same Rasa workers on the same
PostgreSQL server (a database of its own), so the ratio shows what the cluster's parts cost or bring
on one 2-core machine. The load is benchmarks/chat_load.py's: customers with no think time over REST.

    .venv/bin/python -m benchmarks.cluster_load
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
from pathlib import Path

import yaml

from benchmarks.chat_load import UNLIMITED, level
from benchmarks.results import header, merge_results
from tandem.isolated import free_port, isolate_cluster, prepared_stack, write_isolated_config
from tandem.postgres import down, up
from tests.postgres_db import create_database

CONCURRENCY = 10


def run(root: Path, store_url: str, cluster: bool, turns: int) -> dict[str, float]:
    config = write_isolated_config(root, UNLIMITED)
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["tandem"]["store_url"] = store_url
    raw["tandem"]["rasa"]["workers"] = 2
    config.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    if cluster:
        isolate_cluster(config, gateways=2)
    stack = prepared_stack(config)
    stack.start()
    try:
        return asyncio.run(level(stack.gateway_url, CONCURRENCY, turns))
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=20, help="messages per simulated customer")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tandem-cluster-bench-"))
    folder.chmod(0o755)  # the server runs as Debian's postgres user
    server = up(folder / "postgres", free_port())
    try:
        one = run(folder / "one", asyncio.run(create_database(server)), False, args.turns)
        two = run(folder / "two", asyncio.run(create_database(server)), True, args.turns)
    finally:
        down(server.data_dir)
        shutil.rmtree(folder, ignore_errors=True)
    merge_results(
        {
            "chat_msgs_per_s_cluster": round(two["msgs_per_s"], 1),
            "chat_p50_ms_c10_cluster": round(two["p50"], 1),
            "chat_p95_ms_c10_cluster": round(two["p95"], 1),
            "chat_msgs_per_s_one_gateway_postgres": round(one["msgs_per_s"], 1),
        }
    )
    print(header("make bench (benchmarks.cluster_load)"))
    print(f"\n{CONCURRENCY} concurrent customers, no think time; 2 Rasa workers and PostgreSQL in both rows.")
    print("\n| gateways | messages | p50 ms | p95 ms | messages/s | gateway CPU ms/msg | Rasa CPU ms/msg |")
    print("|---|---|---|---|---|---|---|")
    for name, r in (("1", one), ("2 behind HAProxy, Redis", two)):
        print(
            f"| {name} | {r['n']} | {r['p50']:.0f} | {r['p95']:.0f} | {r['msgs_per_s']:.1f} "
            f"| {r['gateway_cpu_ms_per_turn']:.1f} | {r['rasa_cpu_ms_per_turn']:.1f} |"
        )
    print(f"\nThroughput, cluster / one gateway: {two['msgs_per_s'] / one['msgs_per_s']:.2f}")


if __name__ == "__main__":
    main()
