# Production image: the same locked dependency set that `make run` and `make test` install.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --requirement requirements.lock
COPY . .
# collectstatic needs settings, not services: placeholders only for this build step.
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput \
 && useradd --system --uid 10001 lbp && mkdir -p /app/media /app/backups && chown lbp /app/media /app/backups
USER lbp
EXPOSE 8000
# Workers (WEB_CONCURRENCY, default two per core plus one), threads and restarts: gunicorn.conf.py;
# access and error logs without query strings, tokens or PHI (lbp_pathway/gunicorn_logging.py).
CMD ["gunicorn", "lbp_pathway.wsgi", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000"]
