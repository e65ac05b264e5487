"""Import writes: jobs (upload, check, apply, cancel) and the worker's engine."""

from guanxi.dataio.services.engine import job_process, jobs_stale
from guanxi.dataio.services.jobs import (
    clean_mapping,
    import_allowed,
    import_apply,
    import_cancel,
    import_check,
    import_create,
)

__all__ = [
    "clean_mapping",
    "import_allowed",
    "import_apply",
    "import_cancel",
    "import_check",
    "import_create",
    "job_process",
    "jobs_stale",
]
