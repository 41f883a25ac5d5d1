"""Processing pseudonyms: keyed ID pseudonyms and name encodings that still compare approximately.

The processing key of a census wave is its own vault scope (``processing:<wave>``), never the
blind-index key, so an extract cannot be joined to the live store; two extracts of one wave (and
the registers pseudonymised with them) can be joined to each other, which is what dedup, 比对复查
and PES matching need. Two sub-keys are derived from it (HKDF): one for ID numbers, one for names.

ID pseudonym: the first 16 bytes of HMAC(K_id, normalised ID). 128 bits: no collision among a
country's 1.4 bn numbers in practice, and without the key the ~2^37 possible numbers cannot be
enumerated against it.

Name encoding (``name_bloom``): a 512-bit Bloom filter, as in privacy-preserving record linkage
(Schnell's cryptographic long-term keys). Its grams are the name's characters and its padded
character bigrams (^张, 张小, 小明, 明$), each keyed-hashed to ``K`` bit positions. Compared
with the Dice coefficient of the bits, one changed character of a three-character name keeps ~0.6
and of a two-character name ~0.45 (about what a shared surname alone gives), while unrelated
names score about 0.1 (512 bits and six positions per gram keep chance overlaps that low; 256
bits gave 0.2).

What it resists: anyone without the key learns nothing from an encoding by itself (no dictionary
of names can be hashed to match), and encodings from different waves do not match. What it does
not resist: whoever holds many encodings can mount frequency and pattern-mining attacks (the most
frequent bit patterns come from the most frequent surnames: 王, 李, 张), and it leaks roughly the
number of grams (the name's length) through the count of set bits. So an extract is still protected
data (0700/0600, audited); it is not publishable.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from headcount.privacy import crypto
from headcount.privacy.crypto import Profile
from headcount.privacy.vault import MasterKey

BLOOM_BITS = 512
BLOOM_WORDS = BLOOM_BITS // 64
BLOOM_K = 6
ID_BYTES = 16
CACHE_ROWS = 5_000_000  # distinct values remembered across tables; beyond, start afresh
ENCODING = {
    "id": f"HMAC-{{hash}} truncated to {ID_BYTES} bytes of the normalised ID",
    "name": f"Bloom filter, {BLOOM_BITS} bits, k={BLOOM_K}, grams: characters and padded bigrams",
    "version": "1",
}
_HASHLIB = {"intl": "sha256", "gm": "sm3"}
_ID_INFO = b"headcount/processing/id/v1"
_NAME_INFO = b"headcount/processing/name/v1"


def processing_scope(wave: str) -> str:
    return f"processing:{wave}"


@dataclass(slots=True)
class ProcessingKeys:
    """The two derived keys of one wave; ``key_id``: the hex id of the vault key they come from."""

    profile: Profile
    key_id: str
    id_key: bytes = field(repr=False)
    name_key: bytes = field(repr=False)
    _gram_masks: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)
    _ids: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"v": pl.String, "p": pl.Binary}), repr=False
    )
    _names: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={"name": pl.String, "bloom": pl.List(pl.Int64)}
        ),
        repr=False,
    )

    @classmethod
    def from_secret(cls, profile: Profile, secret: bytes, key_id: str) -> ProcessingKeys:
        return cls(
            profile=profile,
            key_id=key_id,
            id_key=crypto.hkdf(profile, secret, _ID_INFO, 32),
            name_key=crypto.hkdf(profile, secret, _NAME_INFO, 32),
        )

    @classmethod
    def of_wave(cls, master: MasterKey, wave: str) -> ProcessingKeys:
        """The wave's processing key, created in the vault on first use."""
        kek_id, secret = master.kek(processing_scope(wave))
        return cls.from_secret(master.profile, secret, kek_id.hex())

    def _mac(self, key: bytes, data: bytes) -> bytes:
        name = _HASHLIB[self.profile]
        try:
            return hmac.digest(key, data, name)
        except ValueError:  # an OpenSSL without SM3: the slower path gives the same bytes
            return crypto.mac(self.profile, key, data)

    # --- ID numbers ----------------------------------------------------------------------------

    def id_pseudonyms(self, ids: pl.Series) -> pl.Series:
        """Binary(16) pseudonyms of normalised ID numbers; null stays null.

        One person's number appears in several tables (both records of a 人户分离 person, the
        registers, the truth): each distinct number is computed once and remembered (bounded).
        """
        frame = pl.DataFrame({"v": normalise_ids(ids)})
        known = self._ids
        todo = frame.drop_nulls().unique().join(known, on="v", how="anti").get_column("v")
        key = self.id_key
        fresh = pl.DataFrame(
            {
                "v": todo,
                "p": pl.Series(
                    [self._mac(key, v.encode("ascii", "replace"))[:ID_BYTES] for v in todo],
                    dtype=pl.Binary,
                ),
            }
        )
        if known.height + fresh.height > CACHE_ROWS:  # keep only what this call still needs
            known = known.join(frame, on="v", how="semi")
        known = pl.concat([known, fresh])
        self._ids = known
        joined = frame.join(known, on="v", how="left", maintain_order="left")
        return joined.get_column("p").alias(ids.name)

    # --- names ---------------------------------------------------------------------------------

    def _masks(self, grams: Iterable[str]) -> pl.DataFrame:
        """Bit masks (64-bit words) of each gram; cached, grams repeat across parts."""
        cache = self._gram_masks
        key = self.name_key
        for gram in grams:
            if gram in cache:
                continue
            digest = self._mac(key, gram.encode("utf-8"))
            words = [0] * BLOOM_WORDS
            for i in range(BLOOM_K):  # two bytes of the MAC name one of the 512 bit positions
                position = int.from_bytes(digest[2 * i : 2 * i + 2], "big") % BLOOM_BITS
                words[position >> 6] |= 1 << (position & 63)
            cache[gram] = tuple(words)
        wanted = list(dict.fromkeys(grams))
        columns = {f"m{i}": [cache[g][i] for g in wanted] for i in range(BLOOM_WORDS)}
        return pl.DataFrame(
            {"gram": wanted, **columns},
            schema={"gram": pl.String, **{f"m{i}": pl.UInt64 for i in range(BLOOM_WORDS)}},
        )

    def name_blooms(self, names: pl.Series) -> pl.Series:
        """List[int64] of eight words per name (a 512-bit Bloom filter); null or empty → null."""
        clean = pl.Series("name", names.cast(pl.String).str.strip_chars()).replace("", None)
        frame = pl.DataFrame({"name": clean})
        known = self._names
        unique = frame.drop_nulls().unique().join(known, on="name", how="anti")
        if unique.height:
            grams = _grams(unique)
            masks = self._masks(grams.get_column("gram").unique().to_list())
            words = [f"m{i}" for i in range(BLOOM_WORDS)]
            fresh = (
                grams.join(masks, on="gram", how="left")
                .group_by("name")
                .agg(*(pl.col(w).bitwise_or() for w in words))
                .select(
                    "name",
                    pl.concat_list(pl.col(w).reinterpret(signed=True) for w in words).alias(
                        "bloom"
                    ),
                )
            )
            if known.height + fresh.height > CACHE_ROWS:  # keep only what this call still needs
                known = known.join(frame, on="name", how="semi")
            known = pl.concat([known, fresh])
            self._names = known
        joined = frame.join(known, on="name", how="left", maintain_order="left")
        return joined.get_column("bloom").alias(names.name)


def _grams(unique: pl.DataFrame) -> pl.DataFrame:
    """(name, gram) pairs: "1:" + each character, "2:" + each bigram of ^name$."""
    chars = unique.select("name", pl.col("name").str.split("").alias("g")).explode("g")
    padded = unique.select("name", ("^" + pl.col("name") + "$").alias("p"))
    bigrams = (
        padded.with_columns(pl.int_ranges(0, pl.col("p").str.len_chars() - 1).alias("i"))
        .explode("i")
        .select("name", pl.col("p").str.slice(pl.col("i"), 2).alias("g"))
    )
    return pl.concat(
        [
            chars.select("name", ("1:" + pl.col("g")).alias("gram")),
            bigrams.select("name", ("2:" + pl.col("g")).alias("gram")),
        ]
    )


def normalise_ids(ids: pl.Series) -> pl.Series:
    """Upper-case, no spaces; an empty string is missing."""
    out = ids.cast(pl.String).str.replace_all(r"\s", "").str.to_uppercase()
    return out.replace("", None)


def dice(a: list[int] | None, b: list[int] | None) -> float:
    """Dice coefficient of two encodings' bits (0 when either is missing)."""
    if not a or not b:
        return 0.0
    mask = (1 << 64) - 1
    both = sum(((x & mask) & (y & mask)).bit_count() for x, y in zip(a, b, strict=True))
    total = sum((x & mask).bit_count() for x in a) + sum((y & mask).bit_count() for y in b)
    return 2.0 * both / total if total else 0.0
