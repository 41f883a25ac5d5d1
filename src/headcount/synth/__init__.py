"""Synthetic census population calibrated to the 2020 results (see docs/synth.md).

    generate(persons=…, seed=…, out=DIR)   writes every table of the data contract under DIR
    report.build(DIR)                       the generated marginals against the 2020 targets
    SynthConfig / load_config(FILE)         rates of register discrepancies and injected errors

Pure domain code: no web framework, no database.
"""

from headcount.synth import report
from headcount.synth.config import CensusErrors, RegisterDiscrepancies, SynthConfig, load_config
from headcount.synth.generator import GENERATOR_VERSION, Result, generate
from headcount.synth.writer import TABLES, read_table

__all__ = [
    "GENERATOR_VERSION",
    "TABLES",
    "CensusErrors",
    "RegisterDiscrepancies",
    "Result",
    "SynthConfig",
    "generate",
    "load_config",
    "read_table",
    "report",
]
