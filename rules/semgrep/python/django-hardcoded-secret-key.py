import os

# ruleid: python-django-hardcoded-secret-key
SECRET_KEY = "django-insecure-change-me"
# ok: python-django-hardcoded-secret-key
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
# ok: python-django-hardcoded-secret-key
SECRET_KEY = ""
