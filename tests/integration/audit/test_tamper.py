"""L4: deleting, modifying, reordering or truncating audit entries is detected and located.

The attacker is the database administrator: direct SQL, no application role, no signing key.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, delete, select, update
from typer.testing import CliRunner

from headcount import errors
from headcount.audit.log import canonical_bytes
from headcount.audit.merkle import leaf_hash
from headcount.audit.verify_core import Verdict
from headcount.cli import app
from headcount.errors import HeadcountError
from headcount.store import heads, loader
from headcount.store.models import AuditEntry
from headcount.store.session import read_transaction
from tests.integration.conftest import Census
from tests.integration.helpers import raw_engine
from tests.integration.synthetic import write_population


@pytest.fixture
def logged(census: Census, tmp_path: Path) -> Census:
    """A store whose log has a dozen entries and a signed head exported after them."""
    pop = write_population(tmp_path / "population", households=12)
    loader.load(census.engine, census.protector, pop.directory, batch_size=2)
    heads.export_current(census.settings)
    return census


def _verify(census: Census) -> Verdict:
    with read_transaction(census.engine) as session:
        return heads.verify_database(session, heads.trusted_heads(census.settings))


def _tamper(census: Census, change: object) -> None:
    with raw_engine(census) as raw, raw.begin() as conn:
        assert callable(change)
        change(conn)


def _row(conn: Connection, seq: int) -> dict[str, object]:
    return dict(
        conn.execute(select(AuditEntry.__table__).where(AuditEntry.seq == seq)).one()._mapping
    )


def test_an_intact_log_verifies(logged: Census) -> None:
    verdict = _verify(logged)
    assert verdict.ok and verdict.entries >= 9 and verdict.heads_checked >= 2


def test_a_modified_column_is_named(logged: Census) -> None:
    _tamper(
        logged,
        lambda c: c.execute(
            update(AuditEntry).where(AuditEntry.seq == 5).values(actor="someone-else")
        ),
    )
    verdict = _verify(logged)
    assert (verdict.problem, verdict.position) == (errors.AUDIT_ENTRY_BAD, 5)


def test_a_consistently_rehashed_forgery_is_caught_by_the_signed_head(logged: Census) -> None:
    def forge(conn: Connection) -> None:
        row = _row(conn, 4)
        fields = {
            k: str(row[k])
            for k in (
                "actor",
                "role",
                "area",
                "action",
                "object",
                "outcome",
                "request_id",
                "ip",
                "detail",
            )
        }
        fields["outcome"] = "failure"
        canonical = canonical_bytes(4, row["at"], fields)  # type: ignore[arg-type]
        conn.execute(
            update(AuditEntry)
            .where(AuditEntry.seq == 4)
            .values(outcome="failure", canonical=canonical, leaf_hash=leaf_hash(canonical))
        )

    _tamper(logged, forge)
    verdict = _verify(logged)
    assert verdict.problem is errors.AUDIT_ENTRY_ALTERED
    assert verdict.position is not None and verdict.position <= 4 <= verdict.details["until"]


def test_a_deleted_middle_entry_is_named(logged: Census) -> None:
    _tamper(logged, lambda c: c.execute(delete(AuditEntry).where(AuditEntry.seq == 6)))
    verdict = _verify(logged)
    assert (verdict.problem, verdict.position) == (errors.AUDIT_SEQUENCE_GAP, 6)


def test_two_swapped_entries_are_named(logged: Census) -> None:
    def swap(conn: Connection) -> None:
        a, b = _row(conn, 3), _row(conn, 7)
        keep = {k: v for k, v in a.items() if k != "seq"}
        conn.execute(
            update(AuditEntry)
            .where(AuditEntry.seq == 3)
            .values(**{k: v for k, v in b.items() if k != "seq"})
        )
        conn.execute(update(AuditEntry).where(AuditEntry.seq == 7).values(**keep))

    _tamper(logged, swap)
    verdict = _verify(logged)
    assert (verdict.problem, verdict.position) == (errors.AUDIT_ENTRY_BAD, 3)
    assert "7" in verdict.details["reason"]


def test_a_truncated_tail_is_caught_against_the_exported_head(logged: Census) -> None:
    size = _verify(logged).entries
    _tamper(logged, lambda c: c.execute(delete(AuditEntry).where(AuditEntry.seq > size - 3)))
    verdict = _verify(logged)
    assert (verdict.problem, verdict.position) == (errors.AUDIT_LOG_TRUNCATED, size - 2)


def test_cli_verify_names_the_position_and_exits_1(logged: Census) -> None:
    _tamper(logged, lambda c: c.execute(delete(AuditEntry).where(AuditEntry.seq == 2)))
    settings = logged.settings
    args = [
        "audit",
        "verify",
        "--database-url",
        settings.database_url,
        "--key-file",
        str(settings.key_file),
        "--head",
        str(heads.head_file_path(settings)),
    ]
    env = {"HEADCOUNT_AUDIT_SIGNING_KEY_FILE": str(settings.audit_signing_key_file)}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 1, result.output
    assert "E1506" in result.output and "2" in result.output
    as_json = CliRunner().invoke(app, [*args, "--json"], env=env)
    assert '"position":2' in as_json.output and as_json.exit_code == 1


def test_a_forged_head_file_is_refused(logged: Census) -> None:
    path = heads.head_file_path(logged.settings)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines[:-1], lines[-1].replace('"size": ', '"size": 1')]) + "\n")
    with pytest.raises(HeadcountError) as caught:
        heads.trusted_heads(logged.settings)
    assert caught.value.problem is errors.TREE_HEAD_SIGNATURE_INVALID


def test_an_auditor_verifies_with_the_public_key_only(logged: Census, tmp_path: Path) -> None:
    from headcount.audit.heads import SigningKey

    settings = logged.settings
    auditor = tmp_path / "auditor-copy"
    auditor.mkdir()
    public = auditor / "operator.pub"
    SigningKey.load(heads.signing_key_path(settings)).export_public(public)
    heads_copy = auditor / "heads.jsonl"
    heads_copy.write_bytes(heads.head_file_path(settings).read_bytes())
    args = [
        "audit",
        "verify",
        "--database-url",
        settings.database_url,
        "--key-file",
        str(settings.key_file),
        "--head",
        str(heads_copy),
        "--json",
    ]
    env = {"HEADCOUNT_AUDIT_SIGNING_KEY_FILE": str(tmp_path / "no-such-private-key")}
    ok = CliRunner().invoke(app, [*args, "--public-key", str(public)], env=env)
    assert ok.exit_code == 0 and '"ok":true' in ok.output
    stranger = auditor / "stranger.pub"
    SigningKey.create(auditor / "stranger.key").export_public(stranger)
    refused = CliRunner().invoke(app, [*args, "--public-key", str(stranger)], env=env)
    assert refused.exit_code == 2 and "E1503" in refused.output


def test_no_head_is_exported_for_a_log_that_shrank(logged: Census) -> None:
    size = _verify(logged).entries
    _tamper(logged, lambda c: c.execute(delete(AuditEntry).where(AuditEntry.seq == size)))
    with pytest.raises(HeadcountError) as caught:
        heads.export_current(logged.settings)
    assert caught.value.problem is errors.TREE_HEAD_ROLLBACK
