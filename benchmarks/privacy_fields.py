"""Field encryption, decryption and blind-index throughput per crypto profile (no database).

    .venv/bin/python benchmarks/privacy_fields.py [VALUES] [--profile intl|gm|both]

Encrypts VALUES synthetic names (default 200,000) bound to their row, decrypts them all,
computes the citizen-ID blind index of as many synthetic numbers and times a few slow indexes.
Prints one line per profile, and last ``field_ops_per_s: N``: the slower profile's
encrypt+decrypt pairs per second.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from headcount.identity.citizen_id import check_char
from headcount.privacy.blind_index import BlindIndexer
from headcount.privacy.crypto import Profile
from headcount.privacy.fields import FieldCipher
from headcount.privacy.keys import KeyRing, MasterKey, MemoryKeyStore

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"


def _ids(n: int) -> list[str]:
    out = []
    for i in range(n):
        first17 = f"110101{1950 + i % 60:04d}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
        out.append(first17 + check_char(first17))
    return out


def run(profile: Profile, n: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        master = MasterKey.create(Path(tmp) / "bench.key", profile)
        ring = KeyRing(master, MemoryKeyStore())
        cipher = FieldCipher(ring)
        names = [
            SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)] + GIVEN[(i * 7) % len(GIVEN)]
            for i in range(n)
        ]
        started = time.perf_counter()
        blobs = [
            cipher.encrypt(v, scope="2020:110101", table="person", column="name", row_id=i)
            for i, v in enumerate(names)
        ]
        encrypt_s = time.perf_counter() - started
        started = time.perf_counter()
        for i, blob in enumerate(blobs):
            cipher.decrypt(blob, table="person", column="name", row_id=i)
        decrypt_s = time.perf_counter() - started
        indexer = BlindIndexer(master, profile)
        ids = _ids(n)
        started = time.perf_counter()
        for raw in ids:
            indexer.index_citizen_id(raw)
        index_s = time.perf_counter() - started
        slow_n = max(1, min(n // 1000, 40))
        started = time.perf_counter()
        for raw in ids[:slow_n]:
            indexer.slow(raw, table="person_identity", column="citizen_id")
        slow_ms = (time.perf_counter() - started) / slow_n * 1000
    print(
        f"{profile}: encrypt {n / encrypt_s:,.0f}/s  decrypt {n / decrypt_s:,.0f}/s  "
        f"blind index {n / index_s:,.0f}/s  slow index {slow_ms:.1f} ms each"
    )
    return n / (encrypt_s + decrypt_s)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("values", nargs="?", type=int, default=200_000)
    parser.add_argument("--profile", choices=["intl", "gm", "both"], default="both")
    args = parser.parse_args()
    profiles: list[Profile] = ["intl", "gm"] if args.profile == "both" else [args.profile]
    rates = [run(p, args.values) for p in profiles]
    print(f"field_ops_per_s: {min(rates):.0f}")


if __name__ == "__main__":
    main()
