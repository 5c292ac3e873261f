import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from lbp_pathway.devstack import how_to_start, missing_services

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lbp_pathway.settings")

if missing_services():  # refuse to serve at all rather than fail on every request
    raise ImproperlyConfigured(how_to_start("gunicorn lbp_pathway.wsgi"))

application = get_wsgi_application()
