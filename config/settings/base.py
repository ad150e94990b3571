"""Settings shared by every environment; values come from the environment (django-environ)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
# Local state (SQLite database, huey queue, uploaded files) lives under var/, never in git.
(BASE_DIR / "var").mkdir(exist_ok=True)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-insecure-key-change-me-in-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
# Used to build absolute links (QR codes, e-mails) outside a request.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    # Listed so that /api/docs serves Swagger UI from ninja's own static files, not from a CDN (works offline).
    "ninja",
    "axes",
    "core",
    "accounts",
    "rounds",
    "dossiers",
    "workflow",
    "eligibility",
    "documents",
    "masking",
    "committee",
    "ops",
    "portal",
    "demo",
]

MIDDLEWARE = [
    # First: an over-size body is refused before any middleware (CSRF reads POST) touches it.
    "core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Sees the final response: hands stored files to the object store or the proxy (FILE_DELIVERY below).
    "ops.files.OffloadFileMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # After CSRF (which reads the form first): refuses NUL characters, keeps /api/ errors in the API's format.
    "core.middleware.RequestHygieneMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: answers a locked-out login with its page.
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.page_chrome",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the huey worker and the web process read while one writes. IMMEDIATE makes every
    # transaction take the write lock when it begins, where the busy timeout waits for it: a DEFERRED
    # transaction that read first and then needs to write cannot wait (SQLite refuses at once with
    # "database is locked", as waiting could deadlock).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 30)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Backups keep microseconds (Django's JSON fixtures round them to milliseconds).
SERIALIZATION_MODULES = {"backupjson": "ops.serializers"}
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    # No password like the username, name or e-mail (the user attributes the form has at hand).
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["username", "full_name", "email", "phone"]},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id first (accounts.hashers: its cost is chosen): new and re-hashed passwords use it; argon2 hashes with
# other parameters and the older hashers below still verify and are upgraded on the next sign-in. No second
# "argon2" hasher may follow: Django picks a hasher by algorithm name, the last one listed would win.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",
    # Django's ModelBackend; the signed-in user read per request comes from the cache when it is shared.
    "accounts.backends.UserBackend",
]
# Sign-in lock-out (django-axes): only the pair (account, address) is locked, and only for a cool-off period,
# so neither a stranger guessing one account nor one colleague mistyping locks anybody else out. Addresses
# are throttled separately (accounts/throttle.py) at a rate an office of 200 behind one NAT never reaches.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_USERNAME_FORM_FIELD = "username"
# django-axes' admin pages are English only; an administrator unlocks an account with
# `manage.py axes_reset_username USERNAME` (or axes_reset_ip ADDRESS) instead.
AXES_ENABLE_ADMIN = False
# Failed sign-ins one address may make per minute before it is asked to wait (never a lock-out).
LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE = env.int("LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE", default=30)

# One cache: Redis when REDIS_URL is set (shared by all workers), otherwise process memory.
if env("REDIS_URL", default=""):
    CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": env("REDIS_URL")}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Whether every process (web servers, workers) shares the default cache. Only then may it hold what another
# process changes: the signed-in user (accounts.backends.UserBackend) and the header's and footer's figures
# (portal.chrome), each forgotten after the write that changes it commits. Production with Redis sets it.
SHARED_CACHE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))

# Files go through Django storages: local by default, S3-compatible when a bucket is configured.
if env("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
else:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
# django-storages reads these from the settings (the keys themselves boto3 takes from AWS_ACCESS_KEY_ID /
# AWS_SECRET_ACCESS_KEY). The endpoint is the address browsers reach too: presigned URLs are signed for it.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=60)
AWS_DEFAULT_ACL = None  # objects stay private: only presigned URLs open them
AWS_S3_SIGNATURE_VERSION = "s3v4"
# How a file leaves a permission-checked view (ops/files.py): "presigned" (S3: a 302 to a URL valid for
# AWS_QUERYSTRING_EXPIRE seconds), "accel" (X-Accel-Redirect to the proxy), "django" (the worker streams it).
FILE_DELIVERY = env("FILE_DELIVERY", default="presigned" if AWS_STORAGE_BUCKET_NAME else "django")

# Uploads: the attachment limits themselves come from the round's policy (≤ 20 MB, validated); these
# bound what reaches it. A request body above the limit is refused from its Content-Length before it
# is read (core.middleware); an upload is one file and a few fields.
UPLOAD_REQUEST_MAX_BYTES = env.int("UPLOAD_REQUEST_MAX_BYTES", default=6 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # any body that is not an upload: forms, JSON
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # larger files are spooled to a temporary file, not memory
DATA_UPLOAD_MAX_NUMBER_FILES = 5
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
# Images decoded at once per process (each needs up to ~100 MB while Pillow works).
UPLOAD_DECODE_CONCURRENCY = env.int("UPLOAD_DECODE_CONCURRENCY", default=2)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))  # the file-based backend
# Short messages to applicants (returns, deadline reminders, abandonment): core.sms backends by dotted path.
SMS_BACKEND = env("SMS_BACKEND", default="core.sms.ConsoleBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="职称申报平台 <noreply@localhost>")

# Background work: SQLite storage by default, Redis when REDIS_URL is set; immediate in tests.
HUEY_IMMEDIATE = env.bool("HUEY_IMMEDIATE", default=False)
# Each worker process is replaced after this many tasks: what an OCR run leaves allocated (onnxruntime
# keeps its arena at the largest shapes it has seen) is returned to the system.
HUEY_CONSUMER = {"max_tasks": env.int("HUEY_MAX_TASKS", default=20)}
if env("REDIS_URL", default=""):
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "titles",
        "url": env("REDIS_URL"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": HUEY_CONSUMER,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "titles",
        "filename": env("HUEY_SQLITE_PATH", default=str(BASE_DIR / "var" / "huey.sqlite3")),
        "immediate": HUEY_IMMEDIATE,
        "consumer": HUEY_CONSUMER,
    }

# Background jobs (OCR, PDF batches) hold a lease renewed by a heartbeat from the running worker; a job
# whose lease ran out is re-queued by the periodic sweep (core/leases.py), at most JOB_MAX_ATTEMPTS times.
JOB_LEASE_SECONDS = env.int("JOB_LEASE_SECONDS", default=120)
JOB_HEARTBEAT_SECONDS = env.float("JOB_HEARTBEAT_SECONDS", default=0) or None
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=3)
# Notifications and e-mails leave through an outbox (workflow/outbox.py), retried with back-off.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
OUTBOX_CLAIM_SECONDS = env.int("OUTBOX_CLAIM_SECONDS", default=90)

# Where the versioned round policy files live (one YAML file per round).
POLICY_DIR = BASE_DIR / "policies"
# A fallback CJK font used for PDFs and rendered images; installed by scripts/dev.py (Debian fonts-wqy-zenhei).
CJK_FONT_PATH = env("CJK_FONT_PATH", default="/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
