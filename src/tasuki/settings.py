"""Tasuki's one settings module, configured from the environment.

Two modes, chosen by ``TASUKI_MODE``:

* ``development`` (the default, what ``make run`` and ``make test`` use): an
  embedded SQLite database under ``var/``, a generated secret key, mail printed
  to the console unless ``EMAIL_URL`` is set.
* ``production``: every secret must come from the environment, cookies are
  secure, HTTPS is enforced and ``manage.py check --deploy`` reports nothing.

A setting that is missing or malformed stops start-up with one line that says
which variable to set, instead of a traceback (see ``_stop``).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("TASUKI_VAR_DIR", BASE_DIR / "var"))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _stop(message: str) -> None:
    """Stop start-up with a single, actionable line (no traceback)."""
    raise SystemExit(f"Tasuki cannot start: {message}")


MODE = env.str("TASUKI_MODE", default="development")
if MODE not in {"development", "production"}:
    _stop(f"TASUKI_MODE must be 'development' or 'production', not {MODE!r}.")
PRODUCTION = MODE == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    _stop("DEBUG must be off in production: unset DEBUG or set DEBUG=false.")

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if PRODUCTION:
        _stop(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    SECRET_KEY = "development-only-key-" + "x" * 40
elif PRODUCTION and len(SECRET_KEY) < 50:
    _stop("SECRET_KEY is too short for production: use at least 50 random characters.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    _stop(
        "ALLOWED_HOSTS is not set. Set ALLOWED_HOSTS to the site's host name(s), comma-separated."
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "tasuki.core.views.csrf_failure"

#: The address the site is reached at, used to build links in mail.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "altcha_django",
    "django_countries",
    "tasuki.core",
    "tasuki.campaigns",
    "tasuki.entries",
    "tasuki.mail",
    "tasuki.audit",
    "tasuki.staff",
    "tasuki.review",
    "tasuki.relay",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cached public pages are answered here, before the rest of the stack.
    "tasuki.relay.cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tasuki.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = env.str("TASUKI_URLCONF", default="tasuki.urls")
WSGI_APPLICATION = "tasuki.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tasuki.core.context_processors.site",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
_default_db = f"sqlite:///{VAR_DIR / 'tasuki.sqlite3'}"
try:
    _db = env.db_url("DATABASE_URL", default=_default_db)
except Exception as exc:  # django-environ raises several types for a bad URL
    _stop(
        f"DATABASE_URL is not a valid database URL ({exc}). Set DATABASE_URL like "
        "postgres://USER:PASSWORD@HOST:5432/NAME or sqlite:////absolute/path.sqlite3."
    )
_KNOWN_ENGINES = {"django.db.backends.sqlite3", "django.db.backends.postgresql"}
if _db.get("ENGINE") not in _KNOWN_ENGINES:
    _stop(
        "DATABASE_URL names no supported database. Set DATABASE_URL like "
        "postgres://USER:PASSWORD@HOST:5432/NAME or sqlite:////absolute/path.sqlite3."
    )
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # A web server and a worker write at once: WAL lets readers go on while one
    # writes, and IMMEDIATE transactions take the write lock up front, so two
    # writers queue (up to `timeout` seconds) instead of failing with
    # "database is locked" half-way through.
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file (not memory) so gunicorn and the worker started by the integration
    # tests share it; one per test run so that two runs never share one.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test-tasuki-{os.getpid()}.sqlite3")}
else:
    _db.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    _db.setdefault("CONN_HEALTH_CHECKS", True)
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache (rate limits and ALTCHA replay protection must be shared by every
# web worker, so the default is the database, not per-process memory) ---------
CACHES = {
    "default": env.cache_url("CACHE_URL", default="dbcache://tasuki_cache"),
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    # Django's default of 300 entries would cull live rate-limit counters and
    # proof-of-work tags within minutes of a deadline rush (each entry holds two
    # or three keys for an hour); expired keys are removed first anyway.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 200_000)

# --- background work -------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# --- auth -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
OTP_TOTP_ISSUER = "Tasuki"

# --- staff sign-in (the back office: tasuki.staff) -------------------------------
# Password, then a TOTP second factor (django-otp) or a single-use recovery code;
# lock-out after repeated failures of either step (django-axes, which also guards
# /maintenance/ because its backend comes first); idle expiry and "sign out
# everywhere" (tasuki.staff.middleware).
INSTALLED_APPS += ["django_otp.plugins.otp_static", "axes"]
MIDDLEWARE += [
    "tasuki.staff.middleware.StaffSessionMiddleware",
    # Last, so that it turns any lock-out during the request into our own page.
    "axes.middleware.AxesMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "staff:login"
#: Failed passwords and second-factor codes, counted per account and per client
#: address, before either is locked for TASUKI_STAFF_LOCKOUT_MINUTES (per
#: address too, so one client cannot try many accounts; staff behind one
#: office address share that count).
AXES_FAILURE_LIMIT = env.int("TASUKI_STAFF_LOCKOUT_FAILURES", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("TASUKI_STAFF_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "tasuki.staff.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "tasuki.core.net.client_ip"
# Failures are forgotten only after both factors succeed (tasuki.staff.services),
# never after the password alone, or the codes could be guessed five at a time.
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
#: Minutes without a request after which a staff session ends.
TASUKI_STAFF_IDLE_MINUTES = env.int("TASUKI_STAFF_IDLE_MINUTES", default=30)
#: Hours an enrolment link (one use) stays valid.
TASUKI_STAFF_ENROLMENT_HOURS = env.int("TASUKI_STAFF_ENROLMENT_HOURS", default=48)
# Back-office forms get their own message when the CSRF token is missing; the
# view hands every other path to tasuki.core.views.csrf_failure unchanged.
CSRF_FAILURE_VIEW = "tasuki.staff.views.csrf_failure"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# --- i18n -------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
#: Entrants see every time in Japan time, with the zone named.
TIME_ZONE = "Asia/Tokyo"
LANGUAGE_COOKIE_NAME = "tasuki_language"
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- static files and uploads -----------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
#: Photo originals and the renditions made from them. Nothing under this root
#: is served directly; views check who may see each photo first.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))

_private_storage = {
    "BACKEND": env.str(
        "PRIVATE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
    ),
    "OPTIONS": env.json("PRIVATE_STORAGE_OPTIONS", default={"location": str(PRIVATE_MEDIA_ROOT)}),
}
#: Published story photos and preview cards: renditions made for the public,
#: served as they are (by the web server, a bucket or, by default, /media/).
PUBLIC_MEDIA_ROOT = Path(env.str("PUBLIC_MEDIA_ROOT", default=str(MEDIA_ROOT / "public")))
_public_storage = {
    "BACKEND": env.str(
        "PUBLIC_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
    ),
    "OPTIONS": env.json(
        "PUBLIC_STORAGE_OPTIONS",
        default={"location": str(PUBLIC_MEDIA_ROOT), "base_url": f"{MEDIA_URL}public/"},
    ),
}
#: Serve the public storage's files at MEDIA_URL from Django itself: the
#: one-machine default. Turn off when a web server or a bucket serves them.
TASUKI_SERVE_PUBLIC_MEDIA = env.bool("TASUKI_SERVE_PUBLIC_MEDIA", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": _private_storage,
    "public": _public_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Uploads: a photo is one request of its own (see entries.views.upload_photo),
# so the request body may be as large as one photo plus the form's overhead.
TASUKI_PHOTO_MAX_BYTES = env.int("TASUKI_PHOTO_MAX_BYTES", default=20 * 1024 * 1024)
TASUKI_PHOTO_MAX_PIXELS = env.int("TASUKI_PHOTO_MAX_PIXELS", default=50_000_000)
TASUKI_PHOTOS_PER_ENTRY = 5
TASUKI_PHOTO_WIDTHS = (480, 960, 1600)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None
FILE_UPLOAD_PERMISSIONS = 0o640

# --- mail ----------------------------------------------------------------------------
_email = env.email_url(
    "EMAIL_URL",
    default="consolemail://" if not PRODUCTION else "smtp://localhost:25",
)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tasuki <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
#: How often the outbox tries a message before it is marked failed for staff.
TASUKI_MAIL_MAX_ATTEMPTS = env.int("TASUKI_MAIL_MAX_ATTEMPTS", default=8)

# --- abuse ------------------------------------------------------------------------------
ALTCHA_HMAC_SECRET = env.str("ALTCHA_HMAC_SECRET", default=SECRET_KEY)
ALTCHA_CHALLENGE = {
    "algorithm": "PBKDF2/SHA-256",
    # About a second of work on a phone; bots pay it for every entry.
    "cost": env.int("ALTCHA_COST", default=5000),
    "key_prefix": env.str("ALTCHA_KEY_PREFIX", default="00"),
    "expires_seconds": 3600,  # the widget fetches and solves a new one when it expires
}
ALTCHA_WIDGET_I18N = True
# The library's replay protection stays on for any form that uses it plainly.
# The entry form spends a solution on one draft instead (entries.submission:
# uploads, retries and fixes of that draft may present it again, no other
# draft ever can), keyed by the library's own replay id in a database table.
ALTCHA_REPLAY_PROTECTION = True
#: Rate limits (core.limits) on or off; off only for load benchmarks and debugging.
#: When the cache cannot count (Redis restarting), a request goes through: a limit
#: must never refuse an honest entrant because our own bookkeeping failed. The
#: proof of work still stands in front of bots.
TASUKI_RATE_LIMITS = env.bool("TASUKI_RATE_LIMITS", default=True)
#: Limits on the entry form ("30/h", "6/d": a count per clock hour or day). A "client" is an IPv4
#: address or an IPv6 /64. Accepted entries are counted per client and per
#: address; refused attempts (a field to fix, a closed period) have their own,
#: more generous, count, so an honest entrant behind shared Wi-Fi is not
#: refused for the fixes of others.
TASUKI_RATE_SUBMIT_IP = env.str("TASUKI_RATE_SUBMIT_IP", default="30/h")
TASUKI_RATE_SUBMIT_FAILURES_IP = env.str("TASUKI_RATE_SUBMIT_FAILURES_IP", default="120/h")
TASUKI_RATE_SUBMIT_EMAIL = env.str("TASUKI_RATE_SUBMIT_EMAIL", default="5/h")
TASUKI_RATE_UPLOAD_IP = env.str("TASUKI_RATE_UPLOAD_IP", default="200/h")
#: Bytes of photos one client may store per hour, and one draft in all.
TASUKI_UPLOAD_BYTES_PER_HOUR = env.int("TASUKI_UPLOAD_BYTES_PER_HOUR", default=500 * 1024 * 1024)
TASUKI_DRAFT_MAX_BYTES = env.int("TASUKI_DRAFT_MAX_BYTES", default=60 * 1024 * 1024)
#: How long after a failure of ours (503) a retry is still judged at the first
#: attempt's arrival time, so that our own hiccup at 16:59 never makes an entry late.
TASUKI_DEADLINE_GRACE = dt.timedelta(minutes=env.int("TASUKI_DEADLINE_GRACE_MINUTES", default=15))
TASUKI_RATE_RESEND = env.str("TASUKI_RATE_RESEND", default="5/h")
#: Asking for one address's links: a stranger who knows the address can only ask
#: a few times (the links they cause are mailed to the owner, and break nothing).
TASUKI_RATE_RESEND_EMAIL = env.str("TASUKI_RATE_RESEND_EMAIL", default="3/h")
TASUKI_RATE_RESEND_EMAIL_DAY = env.str("TASUKI_RATE_RESEND_EMAIL_DAY", default="6/d")
#: How many proxies in front of the app set X-Forwarded-For (0: use REMOTE_ADDR).
TASUKI_TRUSTED_PROXY_COUNT = env.int("TASUKI_TRUSTED_PROXY_COUNT", default=0)

# --- automatic checks (review/checks): advise reviewers, never decide ---------------
#: Listed like AUTH_PASSWORD_VALIDATORS: a dotted class path and its options.
#: The worker runs them when an entry arrives; staff re-run them for a campaign.
_CHECKS = "tasuki.review.checks."
TASUKI_CHECKS = [
    {"NAME": _CHECKS + "advert.AdvertCheck"},
    {"NAME": _CHECKS + "inappropriate.InappropriateCheck"},
    {"NAME": _CHECKS + "off_purpose.OffPurposeCheck"},
    {"NAME": _CHECKS + "pii.PersonalDataCheck"},
    {"NAME": _CHECKS + "duplicate.DuplicateCheck"},
    {"NAME": _CHECKS + "duplicate.RepeatEntrantCheck"},
    {"NAME": _CHECKS + "photos.NudityCheck"},
    {"NAME": _CHECKS + "photos.FaceCheck"},
    {"NAME": _CHECKS + "photos.SimilarPhotoCheck"},
    {"NAME": _CHECKS + "photos.SmallPhotoCheck"},
]
#: Web hosts of the organiser (the race's official site): naming them is never an
#: advert. The site's own host (SITE_URL) is always one.
TASUKI_OFFICIAL_HOSTS = env.list("TASUKI_OFFICIAL_HOSTS", default=[])

# --- security -------------------------------------------------------------------------
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = PRODUCTION and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = 31_536_000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- logging: no personal data; requests are not logged with their paths ---------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

TESTING = "pytest" in sys.modules
