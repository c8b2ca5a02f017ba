FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN DEBUG=false SECRET_KEY=build-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    python manage.py compilemessages -v0 && \
    DEBUG=false SECRET_KEY=build-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    python manage.py collectstatic --noinput -v0
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--config", "config/gunicorn.py", "--bind", "0.0.0.0:8000", "--workers", "4"]
