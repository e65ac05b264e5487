"""ASGI entry point. Serve over WSGI (guanxi.wsgi) unless a measured reason says otherwise."""

import os

from django.core.asgi import get_asgi_application
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")

application: ASGIHandler = get_asgi_application()
