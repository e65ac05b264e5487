"""WSGI entry point: ``gunicorn guanxi.wsgi:application`` (what ``guanxi serve`` runs)."""

import os

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")

application: WSGIHandler = get_wsgi_application()
