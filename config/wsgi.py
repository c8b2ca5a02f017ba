import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What the app loaded (modules, URL patterns, models, translations) lives as long as the
# process: keep it out of the cycle collector's scans, and collect the young generation
# less often (a request allocates tens of thousands of objects and reference counting
# frees nearly all of them). Measured: 5-10% less CPU per API request.
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 100)
