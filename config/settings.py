"""Settings for the paper-submission platform.

This is the one module that reads the environment; everything else reads
``django.conf.settings``. The defaults are those of the local system that ``make up``
starts. ``DEBUG`` is off unless set (``DEBUG=true`` is for ``runserver`` and the tests):
without it the settings refuse to start with no secret key (``SECRET_KEY``, or the file
``SECRET_KEY_FILE`` that ``make up`` makes under ``var/``) and turn on the HTTPS-only
protections that ``manage.py check --deploy`` asks for.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

_LOCAL_SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - never used with DEBUG off
SECRET_KEY = env.str("SECRET_KEY", default="")
_SECRET_KEY_FILE = env.path("SECRET_KEY_FILE", default=BASE_DIR / "var" / "secret_key")
if not SECRET_KEY and Path(_SECRET_KEY_FILE).is_file():
    SECRET_KEY = Path(_SECRET_KEY_FILE).read_text().strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set (nor SECRET_KEY_FILE): DEBUG=false refuses to start without one."
        )
    SECRET_KEY = _LOCAL_SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "accounts",
    "web",
    "outbox",
    "submissions",
    "plagiarism",
    "analytics",
    "notifications",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.views.ApiJsonNotFound",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "web.middleware.SiteUploadLimit",  # before the CSRF check reads the body
    "web.middleware.OldEmailLinks",
    "web.middleware.MethodNotAllowedPage",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "outbox.tracing.TraceparentMiddleware",
    "accounts.middleware.LoginSlowdown",  # a slowed address's login: 429 before any check
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into a 429
]

# --- Content-Security-Policy (django-csp) -----------------------------------------------------
# Every page's scripts, styles, images and fonts come from this site: no inline script or
# style anywhere (the admin's and the site's styles are files; the API docs' script is served
# apart, SpectacularSwaggerSplitView), no plug-ins, no framing, forms post here only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Client addresses and password guessing ---------------------------------------------------
# How many proxies in front of the web server append to X-Forwarded-For (0: believe only the
# connection's address). Throttles and lockouts use config.client_ip.client_ip.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
# Password guessing, on every login (the site's form, the admin's, the token endpoint), as
# OWASP's Authentication Cheat Sheet has it. django-axes: after LOGIN_FAILURE_LIMIT failed
# logins for one username from one client address, that pair is refused with a 429 for
# LOGIN_COOLOFF_MINUTES after its last failure; attempts while refused are not failures (they
# do not extend it); a success resets its own pair only. The same username from elsewhere,
# and other users at the same address, are not touched. An address as a whole is slowed,
# never locked (accounts.login_limits): past LOGIN_ADDRESS_FAILURE_LIMIT failures within
# LOGIN_ADDRESS_WINDOW_MINUTES, one login per LOGIN_ADDRESS_SLOW_SECONDS.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
# Account emails (a reset link, an address confirmation) one address may get in an hour.
ACCOUNT_EMAILS_PER_ADDRESS = env.int("ACCOUNT_EMAILS_PER_ADDRESS", default=3)
# Whether a reviewer keeps reading the version they reviewed once its round is decided (the
# venue's choice; the venues issue makes it one per venue). Off: access ends with the round.
REVIEW_ACCESS_AFTER_DECISION = env.bool("REVIEW_ACCESS_AFTER_DECISION", default=False)
# A login token (POST /api/auth/token/) ends this many days after its last use.
LOGIN_TOKEN_DAYS = env.float("LOGIN_TOKEN_DAYS", default=30)
AXES_COOLOFF_TIME = env.float("LOGIN_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=100)
LOGIN_ADDRESS_WINDOW_MINUTES = env.float("LOGIN_ADDRESS_WINDOW_MINUTES", default=15)
LOGIN_ADDRESS_SLOW_SECONDS = env.int("LOGIN_ADDRESS_SLOW_SECONDS", default=1)
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "config.views.locked_out"
AXES_VERBOSE = False

ROOT_URLCONF = "config.urls"

# --- The author site and its accounts -----------------------------------------------------------
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:papers"
LOGOUT_REDIRECT_URL = "web:login"
CSRF_FAILURE_VIEW = "web.views.errors.csrf_failure"
# A venue can require authors to confirm their email address (the link emailed at sign-up)
# before their first submission, on the site and through the API alike.
ACCOUNTS_REQUIRE_VERIFIED_EMAIL = env.bool("REQUIRE_VERIFIED_EMAIL", default=False)
EMAIL_VERIFICATION_DAYS = env.int("EMAIL_VERIFICATION_DAYS", default=3)

# --- Peer review ------------------------------------------------------------------------------
# "double": reviewers never see who wrote a paper (names, addresses, affiliations); "single":
# they do. Either way authors never learn who reviewed.
REVIEW_BLIND_MODE = env.str("REVIEW_BLIND_MODE", default="double")
if REVIEW_BLIND_MODE not in {"single", "double"}:
    raise ImproperlyConfigured(
        f"REVIEW_BLIND_MODE must be single or double, not {REVIEW_BLIND_MODE!r}"
    )
REVIEW_REMIND_DAYS_BEFORE = env.int("REVIEW_REMIND_DAYS_BEFORE", default=3)
REVIEW_REMINDER_SWEEP_SECONDS = env.float("REVIEW_REMINDER_SWEEP_SECONDS", default=900)
REVIEW_DUE_MAX_DAYS = env.int("REVIEW_DUE_MAX_DAYS", default=365)  # how far ahead a due date

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context.site",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# PostgreSQL is the only database (the outbox relies on its locks and LISTEN/NOTIFY).
DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://papers:papers@127.0.0.1:5432/papers")
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A process stopped mid-query (a time limit, a kill) leaves the server waiting in that query,
# holding its locks, until it next writes to the client; have it look every 2 s instead.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
    "-c client_connection_check_interval=2000"
)
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files (the admin's) are served by WhiteNoise from STATIC_ROOT.
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploaded papers live outside any served path: there is deliberately no URL for MEDIA_ROOT,
# files are only handed out by views that check who is asking.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies unless a view says otherwise (uploads take multipart too): the schema then
    # declares, per operation, only the content types it takes.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"auth": env.str("AUTH_RATE", default="30/minute")},
    "NUM_PROXIES": TRUSTED_PROXIES,
    # Service refusals (config.errors) become their documented answers here, not in views.
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Paper submissions API",
    "DESCRIPTION": "Submit papers, follow their review, download what you sent.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SubmissionStatusEnum": "submissions.models.STATUS_CHOICES",
        "SourceKindEnum": "plagiarism.apis.KINDS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.add_error_responses",
    ],
}

# --- Submissions ----------------------------------------------------------------------------
SUBMISSION_MAX_UPLOAD_BYTES = env.int("SUBMISSION_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
SUBMISSION_UPLOAD_RATE = env.str("SUBMISSION_UPLOAD_RATE", default="60/minute")
# Per-author quotas (0: off): bytes stored in total (files, and text sent directly), and
# papers per 24 hours.
SUBMISSION_QUOTA_BYTES = env.int("SUBMISSION_QUOTA_BYTES", default=500 * 1024 * 1024)
SUBMISSION_PAPERS_PER_DAY = env.int("SUBMISSION_PAPERS_PER_DAY", default=0)
# Files above 2.5 MB stream to a temporary file, never whole into memory; a JSON body with the
# text of a paper may be as large as a file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = SUBMISSION_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
# What reading one uploaded file may cost (submissions.sandbox): a pool of worker processes
# per web worker, each file bounded in wall-clock and CPU time, memory, pages, bytes after
# decompression and words. Over a cap: 413; over a time or memory limit: 422.
SUBMISSION_EXTRACT_WORKERS = env.int("SUBMISSION_EXTRACT_WORKERS", default=2)
SUBMISSION_EXTRACT_SECONDS = env.float("SUBMISSION_EXTRACT_SECONDS", default=3.0)
SUBMISSION_EXTRACT_QUEUE_SECONDS = env.float("SUBMISSION_EXTRACT_QUEUE_SECONDS", default=1.5)
SUBMISSION_EXTRACT_MEMORY_MB = env.int("SUBMISSION_EXTRACT_MEMORY_MB", default=1024)
SUBMISSION_MAX_PAGES = env.int("SUBMISSION_MAX_PAGES", default=1000)
SUBMISSION_MAX_DECOMPRESSED_BYTES = env.int(
    "SUBMISSION_MAX_DECOMPRESSED_BYTES", default=64 * 1024 * 1024
)
SUBMISSION_MAX_WORDS = env.int("SUBMISSION_MAX_WORDS", default=300_000)

# --- Plagiarism ---------------------------------------------------------------------------
PLAGIARISM_THRESHOLD = env.float("PLAGIARISM_THRESHOLD", default=0.10)  # flag at or above
PLAGIARISM_MIN_WORDS = env.int("PLAGIARISM_MIN_WORDS", default=8)  # shorter matches ignored
# Fingerprints shared by more papers than this are common phrases, not evidence.
PLAGIARISM_MAX_DF = env.int("PLAGIARISM_MAX_DF", default=20)
PLAGIARISM_TASK_MAX_RETRIES = env.int("PLAGIARISM_TASK_MAX_RETRIES", default=5)
# A check past the soft limit is recorded as failed with the reason; the hard limit (10 s
# later) kills the worker process if the soft one could not stop it.
PLAGIARISM_TASK_SOFT_SECONDS = env.float("PLAGIARISM_TASK_SOFT_SECONDS", default=45)
# A check considers at most this many of the paper's words (the report says when it applied).
PLAGIARISM_MAX_WORDS = env.int("PLAGIARISM_MAX_WORDS", default=100_000)
# The PDF report: its font (any TrueType font with the scripts papers use) and how many
# passages it shows side by side (the admin and the API show them all).
PLAGIARISM_PDF_FONT = env.str(
    "PLAGIARISM_PDF_FONT", default="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
)
PLAGIARISM_PDF_MAX_PASSAGES = env.int("PLAGIARISM_PDF_MAX_PASSAGES", default=200)
PLAGIARISM_SWEEP_AFTER_MINUTES = env.float("PLAGIARISM_SWEEP_AFTER_MINUTES", default=15)
PLAGIARISM_SWEEP_SECONDS = env.float("PLAGIARISM_SWEEP_SECONDS", default=300)  # how often
# The compact index (plagiarism/index.py): the beat merges the delta into main every
# PLAGIARISM_INDEX_MERGE_SECONDS once it holds PLAGIARISM_INDEX_DELTA_MAX texts (each check
# reads the whole delta), or at once when an import or a reindex left texts staged.
PLAGIARISM_INDEX_DELTA_MAX = env.int("PLAGIARISM_INDEX_DELTA_MAX", default=200)
PLAGIARISM_INDEX_MERGE_SECONDS = env.float("PLAGIARISM_INDEX_MERGE_SECONDS", default=300)

# --- Notifications and email ------------------------------------------------------------------
# Where links in notifications and emails point: the address authors reach this server at.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
# Locally, emails are printed by the Celery worker; production sends them over SMTP.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Editorial office <editors@localhost>")
NOTIFICATION_EMAIL_MAX_RETRIES = env.int("NOTIFICATION_EMAIL_MAX_RETRIES", default=8)
NOTIFICATION_EMAIL_BACKOFF_SECONDS = env.float("NOTIFICATION_EMAIL_BACKOFF_SECONDS", default=30)
NOTIFICATION_EMAIL_SWEEP_AFTER_MINUTES = env.int(
    "NOTIFICATION_EMAIL_SWEEP_AFTER_MINUTES", default=10
)

# Throttling counts (and anything else cached) are shared by every web worker through Redis.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("CACHE_URL", default="redis://127.0.0.1:6379/2"),
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default=""),
    }
}

# --- Kafka ------------------------------------------------------------------------------------
KAFKA_BOOTSTRAP_SERVERS = env.list("KAFKA_BOOTSTRAP_SERVERS", default=["127.0.0.1:9092"])
KAFKA_TOPIC_PARTITIONS = env.int("KAFKA_TOPIC_PARTITIONS", default=6)
KAFKA_REPLICATION_FACTOR = env.int("KAFKA_REPLICATION_FACTOR", default=1)
# Replicas that must have a write before it is acknowledged (acks=all): 2 on a 3-node cluster.
KAFKA_MIN_INSYNC_REPLICAS = env.int("KAFKA_MIN_INSYNC_REPLICAS", default=1)
# How long the admin (kafka_topics, outbox_status) and a starting consumer wait for a first
# answer from the broker before saying it is unreachable (a consumer then retries with backoff).
KAFKA_BOOTSTRAP_TIMEOUT_MS = env.int("KAFKA_BOOTSTRAP_TIMEOUT_MS", default=15_000)
KAFKA_RETENTION_MS = env.int("KAFKA_RETENTION_MS", default=7 * 24 * 3600 * 1000)
# Compression of what the relay (and the dead-letter producer) send: none, gzip, lz4, zstd.
KAFKA_COMPRESSION_TYPE = env.str("KAFKA_COMPRESSION_TYPE", default="lz4")
if KAFKA_COMPRESSION_TYPE not in ("none", "gzip", "lz4", "zstd"):
    raise ImproperlyConfigured(
        f"KAFKA_COMPRESSION_TYPE={KAFKA_COMPRESSION_TYPE!r}: use none, gzip, lz4 or zstd."
    )
# Prepended to every topic name; empty in production, unique per test run in tests.
KAFKA_TOPIC_PREFIX = env.str("KAFKA_TOPIC_PREFIX", default="")

# --- Outbox relay and consumers -----------------------------------------------------------------
# Rows are leased to relays by shard; change only with an empty outbox (it moves keys).
OUTBOX_SHARDS = env.int("OUTBOX_SHARDS", default=16)
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=1000)
OUTBOX_POLL_SECONDS = env.float("OUTBOX_POLL_SECONDS", default=1.0)
# How long the relay lets Kafka take to acknowledge a batch before it counts as failed.
OUTBOX_DELIVERY_TIMEOUT_MS = env.int("OUTBOX_DELIVERY_TIMEOUT_MS", default=30_000)
OUTBOX_RETENTION_HOURS = env.int("OUTBOX_RETENTION_HOURS", default=72)
CONSUMER_MAX_ATTEMPTS = env.int("CONSUMER_MAX_ATTEMPTS", default=5)
CONSUMER_BACKOFF_SECONDS = env.float("CONSUMER_BACKOFF_SECONDS", default=0.5)
CONSUMER_SESSION_TIMEOUT_MS = env.int("CONSUMER_SESSION_TIMEOUT_MS", default=10_000)
# The dead-letter limit: when more than this share of the last CONSUMER_DLQ_WINDOW events
# would be dead-lettered (a bad deploy, a producer gone wrong), the group pauses instead of
# draining a whole topic into its dead-letter topic.
CONSUMER_DLQ_WINDOW = env.int("CONSUMER_DLQ_WINDOW", default=100)
CONSUMER_DLQ_MAX_RATIO = env.float("CONSUMER_DLQ_MAX_RATIO", default=0.5)
METRICS_BIND_ADDRESS = env.str("METRICS_BIND_ADDRESS", default="127.0.0.1")

# --- Celery (Redis broker) --------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="redis://127.0.0.1:6379/1")
# Queues (config.celery.route_task): <prefix>checks, <prefix>email, <prefix>default.
CELERY_QUEUE_PREFIX = env.str("CELERY_QUEUE_PREFIX", default="")
CELERY_TASK_ANNOTATIONS = {
    "plagiarism.check_submission": {
        "soft_time_limit": PLAGIARISM_TASK_SOFT_SECONDS,
        "time_limit": PLAGIARISM_TASK_SOFT_SECONDS + 10,
    },
    # Rewrites main: about a minute per 300,000 texts on a small machine.
    "plagiarism.merge_index": {"soft_time_limit": 3600, "time_limit": 3700},
}
# Every other task is short; a hung SMTP server or database is cut off all the same.
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 150
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the task for another worker
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "outbox-purge-sent": {"task": "outbox.purge_sent", "schedule": 3600.0},
    "plagiarism-sweep-waiting": {
        "task": "plagiarism.sweep_waiting",
        "schedule": PLAGIARISM_SWEEP_SECONDS,
    },
    "plagiarism-merge-index": {
        "task": "plagiarism.merge_index",
        "schedule": PLAGIARISM_INDEX_MERGE_SECONDS,
    },
    "notifications-sweep-email": {"task": "notifications.sweep_pending_email", "schedule": 300.0},
    "reviews-send-reminders": {
        "task": "reviews.send_reminders",
        "schedule": REVIEW_REMINDER_SWEEP_SECONDS,
    },
}

# --- Production hardening (what `manage.py check --deploy` asks for) -------------------------
if not DEBUG:
    # `make up` serves plain HTTP on this machine: it turns the redirect, the secure
    # cookies and HSTS off explicitly; a real deployment keeps these defaults.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = bool(SECURE_HSTS_SECONDS)
    SECURE_HSTS_PRELOAD = bool(SECURE_HSTS_SECONDS)
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # kafka-python logs every failed connection attempt; our own code logs state changes.
        "kafka": {"level": env.str("KAFKA_CLIENT_LOG_LEVEL", default="CRITICAL")},
        "django.db.backends": {"level": "INFO"},
    },
}
