"""Leads: people and companies that are not customers yet — channels, cleaning, duplicate check, grading,
assignment and the pool, conversion and the funnel."""
