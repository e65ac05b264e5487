"""``guanxi demo --customers N``: the demo organisation plus N generated customers, loaded in bulk.

On top of the ordinary demo (``guanxi.web.demo.demo_load``: teams, roles, logins, catalogue and
a dozen hand-made customers) this adds, for large N, more sales teams with a manager each and
more reps, so that data scopes look like a real company's (a rep sees a few per cent, a manager
a team, the director everything); then N customers spread over the reps with contacts and their
posts, interactions, relationships and three years of orders (about 20 order lines per
customer), and their ``CustomerFacts``.

* Deterministic: the same seed, size and ``now`` give the same rows (``rows.py``).
* Fast: chunks of plain tuples written with one multi-row statement per table (SQLite
  ``executemany``, PostgreSQL ``COPY``), one transaction per chunk, indexes built once at the end.
* Derived columns are those the services would write: E.164 phones, pinyin and initials, the
  search columns (``customers.search.derived_columns``), order totals in Decimal, customer facts.
  No audit entries are written for generated rows.
* Safe: refuses a database holding customers that are not demo data (unless ``force``); a second
  run with the same size and seed does nothing; an interrupted run resumes where it stopped.

Layout: ``vocab`` (word lists), ``rows`` (one customer → tuples), ``store`` (bulk writing),
``load`` (``demo_scale_load``: organisation, checks, chunks, indexes). This module imports no
Django, so that benchmark drivers can read the version before Django is set up.
"""

GENERATOR_VERSION = 1  # bump when the generated data change: benchmark databases are keyed by it
DEFAULT_SEED = 20240601
