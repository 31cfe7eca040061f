"""gunicorn settings for Veche (docs/production.md). Started as

    gunicorn -c deploy/gunicorn.conf.py

Override any of these without editing the file: GUNICORN_CMD_ARGS="--bind 0.0.0.0:8000
--workers 5" (command-line arguments win over this file), WEB_CONCURRENCY (workers),
FORWARDED_ALLOW_IPS (which proxies may set the scheme through X-Forwarded-Proto).
"""

import multiprocessing
import os

wsgi_app = "veche.wsgi:application"
# Behind the reverse proxy on the same host; in a container: --bind 0.0.0.0:8000.
bind = ["127.0.0.1:8000"]
# Sync views with some waiting on the database: a few processes with threads each.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9)))
worker_class = "gthread"
threads = 4
# An import upload or a report download may take a while; the proxy's timeout should match.
timeout = 120
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (slow leaks in libraries); jitter avoids restarting all at once.
max_requests = 2000
max_requests_jitter = 200
# Load the application in each worker: a reload (HUP) then picks up new code with no gap.
preload_app = False
# The scheme (https) from the proxy: trusted only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
# Veche writes its own access line per request (logger "veche.request", with the request id
# and without query strings); gunicorn's would duplicate it with the full URL.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("VECHE_LOG_LEVEL", "info").lower()
proc_name = "veche-web"
