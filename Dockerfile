# Liaison CRM: one image for the web server (gunicorn), the Celery worker and Celery beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so editing the code does not reinstall them.
# `pip install .` installs only the pinned dependencies (the project itself declares no packages).
COPY pyproject.toml ./
RUN pip install --no-cache-dir . \
    && rm -rf build *.egg-info

# The code stays owned by root, so the app user can read it but not change it.
COPY . .

# The settings refuse to load without SECRET_KEY when DEBUG is off; this dummy key exists only in this step.
RUN SECRET_KEY=collectstatic-build-only-not-a-secret DEBUG=0 python manage.py collectstatic --noinput

# The only places the app user may write: uploads (MEDIA_ROOT) and the file mail backend (EMAIL_FILE_PATH).
RUN mkdir -p /app/media /app/var/mail && chown -R app:app /app/media /app/var

USER app

EXPOSE 8000

# No HEALTHCHECK here: the worker and beat run this image too and serve no HTTP;
# docker-compose.yml gives the web service its own healthcheck.
CMD ["gunicorn", "liaison_crm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
