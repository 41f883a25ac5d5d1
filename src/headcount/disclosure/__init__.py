"""Disclosure control (issue 14): the primary risk rules, pure functions over tables and frames.

Modules, by what they hold:

* ``frequency``: the minimum frequency of a count cell (0 < count < 3 is risky by default);
* ``magnitude``: a magnitude table's contributions in long form (cell, contributor, value);
* ``dominance``: the (n,k) dominance rule over contributions (default (2, 85));
* ``p_percent``: the p % rule over contributions (default p = 10);
* ``attribute``: the zero/full-cell rule for attribute disclosure (a group sharing one value);
* ``sensitive``: which dimension of which table is sensitive (the configuration of that rule).

The publication bundle runs these rules through its disclosure hook (``publish.disclosure``), and
``headcount disclose check`` runs the same hook over a tables directory. A pure domain package:
it imports neither the web framework nor the database.
"""

from headcount.disclosure.attribute import full_cells
from headcount.disclosure.dominance import DEFAULT_DOMINANCE, DominanceRule
from headcount.disclosure.frequency import DEFAULT_MIN_CELL, MinimumFrequency
from headcount.disclosure.magnitude import cell_contributions
from headcount.disclosure.p_percent import DEFAULT_P_PERCENT, PPercentRule
from headcount.disclosure.sensitive import DEFAULT_SENSITIVE, Sensitive, parse_sensitive

__all__ = [
    "DEFAULT_DOMINANCE",
    "DEFAULT_MIN_CELL",
    "DEFAULT_P_PERCENT",
    "DEFAULT_SENSITIVE",
    "DominanceRule",
    "MinimumFrequency",
    "PPercentRule",
    "Sensitive",
    "cell_contributions",
    "full_cells",
    "parse_sensitive",
]
