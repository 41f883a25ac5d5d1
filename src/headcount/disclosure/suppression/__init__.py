"""Secondary cell suppression safe against recalculation (issue 14, part 2).

Modules, by what they hold:

* ``long_form``: tables as one row per cell, margins included (``geocode``, dimensions, ``count``,
  ``status``), read and written;
* ``structure``: what ties the standard tables together besides margins (nested categories,
  shared margins, household arithmetic);
* ``model``: the tables as one linear system (cells, equations over dimensions, levels, tables);
* ``attack``: the recalculation attack (LP bounds of every hidden cell; ``lp``: warm HiGHS);
* ``verify``: the attack on published files (the bundle's ``recalculable`` check);
* ``protection``: primary cells (minimum frequency, full cells) and the protection interval;
* ``secondary``: the heuristic (one perturbation LP per primary cell and direction);
* ``prune``: publishing again the complementary cells a pattern can do without;
* ``optimal``: the MILP for small tables;
* ``run``: ``suppress``, both, checked by the attack until it finds nothing;
* ``report``: information loss and the attacker's bounds; ``directory``: tables in, tables out.

Pure domain code: SciPy (HiGHS) for the programs, Polars for the tables, no web, no database.
"""

from headcount.disclosure.suppression.attack import Bounds, attack
from headcount.disclosure.suppression.long_form import LongTable, to_long
from headcount.disclosure.suppression.model import Model, build
from headcount.disclosure.suppression.protection import ProtectionRule, judge, primary_cells
from headcount.disclosure.suppression.run import METHODS, Suppressed, suppress

__all__ = [
    "METHODS",
    "Bounds",
    "LongTable",
    "Model",
    "ProtectionRule",
    "Suppressed",
    "attack",
    "build",
    "judge",
    "primary_cells",
    "suppress",
    "to_long",
]
