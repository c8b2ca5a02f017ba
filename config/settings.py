"""One settings module for every environment: values come from the environment,
with development defaults. A malformed value stops start-up with a clear message."""

from pathlib import Path

import environ
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(env_file)


def _env(cast, name, default):
    try:
        return cast(name, default=default)
    except (ValueError, environ.ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"Environment variable {name} is malformed: {exc}") from exc


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _strict_bool(name, default):
    """Like env.bool, but a value that is neither true nor false is an error, not False."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{raw!r} is not a boolean; use true or false")


env.bool = _strict_bool

DEBUG = _env(env.bool, "DEBUG", True)
SECRET_KEY = _env(env.str, "SECRET_KEY", "dev-insecure-8m2v0q7x1z9c4b6n3k5j8h2g4f6d1s3a7p9o0i")
if not DEBUG and (
    SECRET_KEY.startswith("dev-insecure") or len(set(SECRET_KEY)) < 5 or len(SECRET_KEY) < 50
):
    raise ImproperlyConfigured(
        "Environment variable SECRET_KEY must be set to a random value of at least 50 "
        "characters when DEBUG is off."
    )
ALLOWED_HOSTS = _env(env.list, "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = _env(env.list, "CSRF_TRUSTED_ORIGINS", [])
TIME_ZONE = _env(env.str, "TIME_ZONE", "Asia/Shanghai")
SITE_URL = _env(env.str, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # OpClass in expression indexes (the ticket list's name and number searches).
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "config.apps.AxesConfig",
    "pgtrigger",
    "import_export",
    "tickets",
    "engineers",
    "dispatch",
    "spareparts",
    "callbacks",
    "kpis",
    "proactive",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "tickets.input_guard.RefuseControlCharactersMiddleware",
    "tickets.rate_limits.PublicPageMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "tickets.second_factor.RequireSecondFactorMiddleware",
    "tickets.middleware.OperatorTimezoneMiddleware",
    # Last, so that it sees the final response of a failed login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tickets.context_processors.roles",
                "tickets.context_processors.operator",
            ],
        },
    },
]

DATABASES = {
    "default": _env(
        env.db_url, "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/service_dispatch"
    )
}
if DATABASES["default"].get("ENGINE") != "django.db.backends.postgresql" or not DATABASES[
    "default"
].get("NAME"):
    raise ImproperlyConfigured(
        "Environment variable DATABASE_URL is malformed: expected "
        "postgres://user:password@host:port/name"
    )
# Django's backend, with a health check that asks the server only when it has spoken
# (config/postgresql/base.py).
DATABASES["default"]["ENGINE"] = "config.postgresql"
DATABASES["default"].setdefault("CONN_MAX_AGE", _env(env.int, "CONN_MAX_AGE", 60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# A streaming replica for the dashboards' reads (kpis/db.py); writes stay on the primary.
_REPLICA_URL = _env(env.str, "DATABASE_REPLICA_URL", "")
if _REPLICA_URL:
    DATABASES["replica"] = {
        **environ.Env.db_url_config(_REPLICA_URL),
        "ENGINE": "config.postgresql",
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 2},
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["kpis.db.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# How often a process checks whether cached master data changed (tickets.masterdata).
MASTERDATA_RECHECK_SECONDS = _env(env.float, "MASTERDATA_RECHECK_SECONDS", 1.0)
# The ticket list counts its matches exactly up to this many, then says "more than N".
TICKET_LIST_COUNT_BOUND = _env(env.int, "TICKET_LIST_COUNT_BOUND", 1000)
if TICKET_LIST_COUNT_BOUND < 1:
    raise ImproperlyConfigured("Environment variable TICKET_LIST_COUNT_BOUND must be at least 1")

REDIS_URL = _env(env.str, "REDIS_URL", "redis://127.0.0.1:6379/0")
if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "Environment variable REDIS_URL is malformed: expected redis://host:port/db"
    )

# Rate-limit counters (tickets.rate_limits) are shared by every web process through Redis.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    },
}
# Per API token, in requests per second/minute/hour/day; reads and creates counted apart.
API_RATES = {
    "read": _env(env.str, "API_READ_RATE", "1200/min"),
    "write": _env(env.str, "API_WRITE_RATE", "600/min"),
}
# The customer's public pages: rate-limited per address (requests, seconds), never cached
# or indexed (tickets.rate_limits.PublicPageMiddleware).
PUBLIC_PAGE_RATE = (_env(env.int, "PUBLIC_PAGE_REQUESTS_PER_MINUTE", 60), 60)
# A booked visit window starts at most this many days ahead (tickets.booking).
BOOKING_MAX_DAYS_AHEAD = _env(env.int, "BOOKING_MAX_DAYS_AHEAD", 60)
# Requests sent from the public web form: (requests, seconds) per address.
WEB_REQUEST_RATE = (_env(env.int, "WEB_REQUESTS_PER_HOUR", 5), 3600)
# A customer's reschedule or cancel request from the tracking page: (requests, seconds)
# per address.
CUSTOMER_REQUEST_RATE = (_env(env.int, "CUSTOMER_REQUESTS_PER_HOUR", 10), 3600)
# The operator's name and hotline, on the customer's pages and the service report.
OPERATOR_BRAND = _env(env.str, "OPERATOR_BRAND", "Haier")
OPERATOR_HOTLINE = _env(env.str, "OPERATOR_HOTLINE", "400-699-9999")
PUBLIC_VIEWS = {
    "service_request",
    "ticket_track",
    "customer_request_from_track",
    "ticket_track_fixed",
    "customer_report",
    "customer_report_pdf",
    "callback_rate",
    "callback_rate_qr",
    "callback_rate_fixed",
    "complaint_from_customer",
    "complaint_answer_from_customer",
    "proactive_opt_out",
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Locks first: they refuse a locked account before any password check.
    "tickets.auth.AccountLockBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: staff log in with a username; there is no self sign-up.
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_ADAPTER = "tickets.auth.NoSignupAccountAdapter"
# An address is only trusted once its owner confirmed it: a password reset goes only to a
# verified address (tickets.auth_forms), an added address is sent a confirmation first, no
# mail goes to an address no account verified, and a reset or change is announced to the
# account's verified addresses.
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_FORMS = {"reset_password": "tickets.auth_forms.VerifiedResetPasswordForm"}
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_PREVENT_ENUMERATION = True
# Second factor (tickets.second_factor): TOTP with recovery codes; required for supervisors
# and admins. Sessions are recorded at login so that deactivating a user ends them all.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = _env(env.str, "MFA_TOTP_ISSUER", "Service dispatch")
USERSESSIONS_TRACK_ACTIVITY = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
# Failed logins are counted and locked out by django-axes (below), one counter for both
# login pages; allauth's own cache-based login limits would count the same attempts again,
# differently per process, and trip a call centre's shared address at shift start.
ACCOUNT_RATE_LIMITS = {"login": None, "login_failed": None}

# Lockout policy (README "Logging in"). django-axes locks an account from one address after
# AXES_FAILURE_LIMIT failures there, for AXES_COOLOFF_HOURS: a call centre behind one NAT
# address is not locked out by one agent's typos. tickets.auth.AccountLockBackend locks the
# account from every address after ACCOUNT_LOCK_FAILURES failures in ACCOUNT_LOCK_MINUTES,
# for that many minutes only, so nobody can keep a named user out for long.
AXES_FAILURE_LIMIT = _env(env.int, "AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = _env(env.float, "AXES_COOLOFF_HOURS", 0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLE_ACCESS_FAILURE_LOG = True
ACCOUNT_LOCK_FAILURES = _env(env.int, "ACCOUNT_LOCK_FAILURES", 20)
ACCOUNT_LOCK_MINUTES = _env(env.int, "ACCOUNT_LOCK_MINUTES", 5)
AXES_USERNAME_CALLABLE = "tickets.auth.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# Our apps' catalogues are listed here too so that they win over a third-party app's
# translation of the same msgid (app catalogues rank by INSTALLED_APPS, where ours come last):
# "Filter" must read 筛选, not django-filter's 过滤器. The project-wide one stays first
# (makemessages writes the strings of templates/ and config/ there).
LOCALE_PATHS = [
    BASE_DIR / "locale",
    *(BASE_DIR / app / "locale" for app in INSTALLED_APPS if (BASE_DIR / app / "locale").is_dir()),
]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(_env(env.str, "MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tickets.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "tickets.api_schema.ApiSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "tickets.api_errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["tickets.rate_limits.TokenRateThrottle"],
    "DEFAULT_PARSER_CLASSES": [
        "tickets.input_guard.GuardedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
# Content-Security-Policy (django-csp): scripts and styles from our own static files only;
# the few inline scripts carry the request's nonce (nonce="{{ request.csp_nonce }}"), and
# no page has inline event handlers, style attributes or javascript: links.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF],
        # data: the signature pad and the charts export images; blob: the camera preview.
        "img-src": [csp.SELF, "data:", "blob:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Service dispatch API",
    "DESCRIPTION": "Ticket intake and status for partners, devices and our own pages.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tickets.api_errors.declare_standard_errors",
    ],
    # Several models have a field named "state" with their own choices.
    "ENUM_NAME_OVERRIDES": {
        "AssignmentStateEnum": "dispatch.models.Assignment.State",
        "AppointmentStateEnum": "dispatch.models.Appointment.State",
        "ApplianceCategoryEnum": "tickets.choices.ApplianceCategory",
    },
}

CELERY_BROKER_URL = _env(env.str, "CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The web tier never waits on Redis: a publish that cannot connect fails fast
# and the work stays in the database outbox for the relay to retry.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "max_retries": 1}
CELERY_TIMEZONE = "UTC"

# Messages (SMS, e-mail) go through one gateway; the default backend writes the outbox table.
MESSAGE_BACKEND = _env(env.str, "MESSAGE_BACKEND", "tickets.messaging.OutboxBackend")
EMAIL_BACKEND = _env(env.str, "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# Security: strict by default outside development.
# X-Forwarded-Proto is trusted only behind a TLS-terminating proxy that sets it (and drops
# a client's own): otherwise anyone could claim https.
BEHIND_TLS_PROXY = _env(env.bool, "BEHIND_TLS_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SESSION_COOKIE_SECURE = _env(env.bool, "SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = _env(env.bool, "CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = _env(env.bool, "SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = _env(env.int, "SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
# Subdomains and the browsers' preload list only when the operator says so: both bind every
# subdomain of the domain to HTTPS for a year, beyond what this application can promise.
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env(env.bool, "SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _env(env.bool, "SECURE_HSTS_PRELOAD", False)
# Django's deployment check recommends both; leaving them off is the decision above.
SILENCED_SYSTEM_CHECKS = [
    check
    for check, on in (
        ("security.W005", SECURE_HSTS_INCLUDE_SUBDOMAINS),
        ("security.W021", SECURE_HSTS_PRELOAD),
    )
    if not on
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": _env(env.str, "LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
