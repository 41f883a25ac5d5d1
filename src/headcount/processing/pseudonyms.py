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
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import numpy as np
import polars as pl
from numpy.typing import NDArray

from headcount.privacy import crypto
from headcount.privacy.crypto import Profile
from headcount.privacy.vault import MasterKey

BLOOM_BITS = 512
BLOOM_WORDS = BLOOM_BITS // 64
BLOOM_K = 6
ID_BYTES = 16
CACHE_ROWS = 1_000_000  # distinct values remembered across tables; beyond, start afresh
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
        default_factory=lambda: pl.DataFrame(schema={"k": pl.Int64, "p": pl.Binary}), repr=False
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

    def _macs(self, values: pl.Series) -> pl.Series:
        """Truncated MACs of many ASCII strings. HMAC-SHA-256 runs inside DuckDB (its SHA-256
        over the RFC 2104 pads, on every core: ~3× the Python loop); HMAC-SM3 in Python."""
        if self.profile != "intl" or values.len() < 1000:
            out = [self._mac(self.id_key, v.encode("ascii"))[:ID_BYTES] for v in values]
            return pl.Series(values.name, out, dtype=pl.Binary)
        block = self.id_key.ljust(64, b"\0")
        inner = bytes(b ^ 0x36 for b in block)
        outer = bytes(b ^ 0x5C for b in block)
        frame = pl.DataFrame({"v": values})
        query = (
            "SELECT unhex(substr(sha256($o::BLOB || unhex(sha256($i::BLOB || encode(v)))), 1, "
            f"{2 * ID_BYTES})) AS p FROM frame"
        )
        with duckdb.connect() as con:
            con.register("frame", frame.to_arrow())
            table = con.sql(query, params={"i": inner, "o": outer}).to_arrow_table()
        return pl.Series(values.name, table.column("p").combine_chunks()).cast(pl.Binary)

    # --- ID numbers ----------------------------------------------------------------------------

    def id_pseudonyms(self, ids: pl.Series) -> pl.Series:
        """Binary(16) pseudonyms of normalised ID numbers; null stays null.

        A number of the ID's shape (17 digits and a check character) is keyed by its first 17
        digits only: the check character is a function of them, so a valid number loses nothing,
        and a number whose only fault is a mistyped check character gets its person's pseudonym
        (the quality job links it without the model). Anything else is keyed whole.

        One person's number appears in several tables (both records of a 人户分离 person, the
        registers, the truth): each distinct number is computed once and remembered (bounded),
        keyed by its 17 digits as one 64-bit integer, which joins far faster than text.
        """
        text = normalise_ids(ids)
        frame = pl.DataFrame({"v": text}).with_columns(_as_integer(pl.col("v")).alias("k"))
        known = self._ids
        todo = frame.filter(pl.col("k").is_not_null()).unique("k").join(known, on="k", how="anti")
        key = self.id_key
        fresh = todo.select("k", self._macs(todo.get_column("v").str.slice(0, 17)).alias("p"))
        if known.height + fresh.height > CACHE_ROWS:  # keep only what this call still needs
            known = known.join(frame, on="k", how="semi")
        known = pl.concat([known, fresh])
        self._ids = known
        joined = frame.join(known, on="k", how="left", maintain_order="left")
        odd = joined.filter(pl.col("k").is_null() & pl.col("v").is_not_null())
        if odd.height:  # not of the ID's shape: rare, computed one by one, whole
            values = [
                None
                if k is not None or v is None
                else self._mac(key, v.encode("utf-8", "replace"))[:ID_BYTES]
                for k, v in zip(joined.get_column("k"), joined.get_column("v"), strict=True)
            ]
            joined = joined.with_columns(
                pl.coalesce(pl.col("p"), pl.Series("o", values, dtype=pl.Binary)).alias("p")
            )
        return joined.get_column("p").alias(ids.name)

    # --- names ---------------------------------------------------------------------------------

    def _masks(self, grams: list[str]) -> NDArray[np.uint64]:
        """Bit masks of each gram (one row of 64-bit words per gram, and a last row of zeros for
        "no gram here"); cached, grams repeat across parts and tables."""
        cache = self._gram_masks
        key = self.name_key
        out = np.zeros((len(grams) + 1, BLOOM_WORDS), dtype=np.uint64)
        for row, gram in enumerate(grams):
            words = cache.get(gram)
            if words is None:
                digest = self._mac(key, gram.encode("utf-8"))
                bits = [0] * BLOOM_WORDS
                for i in range(BLOOM_K):  # two bytes of the MAC name one of the 512 positions
                    position = int.from_bytes(digest[2 * i : 2 * i + 2], "big") % BLOOM_BITS
                    bits[position >> 6] |= 1 << (position & 63)
                words = cache[gram] = tuple(bits)
            out[row] = words
        return out

    def name_blooms(self, names: pl.Series) -> pl.Series:
        """Eight int64 words per name (a 512-bit Bloom filter); null or empty → null."""
        clean = pl.Series("name", names.cast(pl.String).str.strip_chars()).replace("", None)
        frame = pl.DataFrame({"name": clean})
        known = self._names
        unique = frame.drop_nulls().unique().join(known, on="name", how="anti")
        if unique.height:
            fresh = unique.with_columns(_encode(unique.get_column("name"), self._masks))
            if known.height + fresh.height > CACHE_ROWS:  # keep only what this call still needs
                known = known.join(frame, on="name", how="semi")
            known = pl.concat([known, fresh])
            self._names = known
        joined = frame.join(known, on="name", how="left", maintain_order="left")
        return joined.get_column("bloom").alias(names.name)


def _encode(names: pl.Series, masks: Callable[[list[str]], NDArray[np.uint64]]) -> pl.Series:
    """Bloom filters of distinct names, without a group-by: the grams at each position form one
    column ("1:" + the i-th character, "2:" + the i-th bigram of ^name$); each column's grams
    index the mask table, and the masks are OR-ed column by column."""
    frame = pl.DataFrame({"name": names})
    longest = int(frame.select(pl.col("name").str.len_chars().max()).item() or 0)
    length = pl.col("name").str.len_chars()
    padded = "^" + pl.col("name") + "$"
    columns = [
        pl.when(length > i).then("1:" + pl.col("name").str.slice(i, 1)).alias(f"c{i}")
        for i in range(longest)
    ] + [
        pl.when(length >= i).then("2:" + padded.str.slice(i, 2)).alias(f"b{i}")
        for i in range(longest + 1)
    ]
    wide = frame.select(columns)
    grams = pl.concat([wide.get_column(c) for c in wide.columns]).drop_nulls().unique()
    table = masks(grams.to_list())
    vocabulary = pl.Enum(grams)
    bloom = np.zeros((frame.height, BLOOM_WORDS), dtype=np.uint64)
    for column in wide.columns:
        ids = wide.get_column(column).cast(vocabulary).to_physical()
        bloom |= table[ids.fill_null(len(grams)).to_numpy()]
    return pl.Series("bloom", bloom.view(np.int64)).cast(pl.List(pl.Int64))


def _as_integer(value: pl.Expr) -> pl.Expr:
    """The first 17 digits of a number of the ID's shape as one Int64 (null otherwise)."""
    shaped = value.str.contains(r"^[0-9]{17}[0-9X]$")
    return pl.when(shaped).then(value.str.slice(0, 17).cast(pl.Int64, strict=False))


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
