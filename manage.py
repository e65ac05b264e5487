#!/usr/bin/env python3
"""Django's command-line utility, for development in a checkout.

With neither ``SECRET_KEY`` nor ``GUANXI_DEBUG`` set it runs with development settings, like
``guanxi serve`` does; production sets ``SECRET_KEY`` (and ``GUANXI_DEBUG=0``) and uses
``guanxi manage`` (see docs/operations.md).
"""

import os
import sys
from pathlib import Path


def main() -> None:
    src = str(Path(__file__).resolve().parent / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    if "SECRET_KEY" not in os.environ:
        os.environ.setdefault("GUANXI_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
