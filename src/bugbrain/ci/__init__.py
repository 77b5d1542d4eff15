"""``bugbrain run`` and ``bugbrain rerun``: run a plan from CI on the SDK
(``bugbrain.client``), show its progress, report it (a summary, ``--json``,
JUnit XML) and exit with a code that says how it went (``outcome``)."""
