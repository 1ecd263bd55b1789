import os

BASE_DIR = os.path.dirname(__file__)
# ruleid: python-django-debug-enabled
DEBUG = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.admin"]


def configure(settings):
    # ok: python-django-debug-enabled
    DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
    return DEBUG
