"""Rates of the synthetic population: discrepancies between registers and truth, errors injected
into
the census side, and the structural rates that are not in the published results.

Defaults are sensible for a rehearsal; every value is recorded in manifest.json so a quality job can
be scored against the rates it was given. A ``--config FILE`` (YAML or JSON) overrides any subset.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from headcount import errors
from headcount.errors import HeadcountError


class RegisterDiscrepancies(BaseModel):
    """How the administrative registers differ from the truth (and the census from them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    missed_by_census: float = Field(
        0.0005, ge=0.0, le=0.2, description="true persons absent from the census (PES 0.05 %)"
    )
    census_duplicates: float = Field(
        0.0003, ge=0.0, le=0.2, description="true persons enumerated twice as residents"
    )
    duplicate_placement: Literal["anywhere", "other_county"] = Field(
        "anywhere",
        description="where the second residence record goes: any resident household of the chunk "
        "(chunks span the country, so nearly always another county), or always one in another "
        "county than the person's residence",
    )
    stale_addresses: float = Field(
        0.01, ge=0.0, le=0.2, description="hukou register rows with an outdated address"
    )
    wrong_birth_months: float = Field(
        0.002, ge=0.0, le=0.2, description="register rows whose birth month is wrong"
    )
    unregistered_children: float = Field(
        0.01, ge=0.0, le=0.2, description="children under 5 missing from the hukou register"
    )
    births_missing_from_register: float = Field(
        0.003, ge=0.0, le=0.2, description="births without a birth-register record"
    )
    deaths_missing_from_register: float = Field(
        0.02, ge=0.0, le=0.2, description="deaths the death register does not hold"
    )


class CensusErrors(BaseModel):
    """Errors injected into the census records, each listed in truth_errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bad_check_digit: float = Field(0.001, ge=0.0, le=0.2)
    id_sex_mismatch: float = Field(0.0005, ge=0.0, le=0.2)
    name_typo: float = Field(0.002, ge=0.0, le=0.2)
    skipped_item: float = Field(0.001, ge=0.0, le=0.2)


class SynthConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    registers: RegisterDiscrepancies = RegisterDiscrepancies()
    census_errors: CensusErrors = CensusErrors()
    long_form_rate: float = Field(0.10, ge=0.0, le=1.0, description="share of eligible households")
    death_rate: float = Field(
        0.00707,
        ge=0.0,
        le=0.1,
        description="deaths per person in the reference year (2020: 7.07 ‰)",
    )
    no_id_rate: float = Field(
        0.002, ge=0.0, le=0.05, description="adults legitimately without an ID (hukou pending)"
    )
    legacy_address_rate: float = Field(
        0.08, ge=0.0, le=1.0, description="people born before 1995 whose ID keeps an abolished code"
    )
    abroad_rate: float = Field(
        0.001, ge=0.0, le=0.05, description="persons abroad, recorded only at the hukou place"
    )
    chunk_persons: int = Field(200_000, ge=1_000, le=5_000_000)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# Issue 12's raised error rates (the quality job's harder scoring run): more name typos, mistyped
# check characters and persons without an ID, each duplicate record in another county.
RAISED: dict[str, Any] = {
    "census_errors": {"name_typo": 0.05, "bad_check_digit": 0.02},
    "registers": {"duplicate_placement": "other_county"},
    "no_id_rate": 0.02,
}


def raised(**overrides: Any) -> SynthConfig:
    """The defaults with ``RAISED`` applied (and ``overrides`` at the top level)."""
    return SynthConfig.model_validate({**RAISED, **overrides})


def load_config(path: Path | None) -> SynthConfig:
    """The defaults, overridden by a YAML or JSON file; a bad file is a catalogued problem."""
    if path is None:
        return SynthConfig()
    if not path.is_file():
        raise HeadcountError(errors.FILE_NOT_FOUND, path=str(path))
    try:
        text = path.read_text("utf-8")
        raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise HeadcountError(
            errors.FILE_UNREADABLE, path=str(path), reason=type(exc).__name__
        ) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise HeadcountError(errors.SYNTH_CONFIG_INVALID, path=str(path), reason="not a mapping")
    try:
        return SynthConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise HeadcountError(
            errors.SYNTH_CONFIG_INVALID, path=str(path), reason=f"{where}: {first['msg']}"
        ) from None
