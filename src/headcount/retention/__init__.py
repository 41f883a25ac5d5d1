"""Retention and destruction of original data: the schedule, the plan, the certificate (pure),
and the job over the store (``run``, ``verify``)."""
