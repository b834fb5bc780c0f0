FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# The Debian packages come from the project's one list (deploy/debian-packages.txt).
COPY deploy/debian-packages deploy/debian-packages.txt deploy/
RUN apt-get update && apt-get install -y --no-install-recommends \
      $(deploy/debian-packages --list pdf pdf-fast uploads) \
    && rm -rf /var/lib/apt/lists/*
# Dependencies first, in their own layer, so code changes do not reinstall them.
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
RUN pip install --no-cache-dir -e . && DEBUG=false SECRET_KEY=build FIELD_ENCRYPTION_KEYS=build \
      python manage.py collectstatic --noinput -v0
RUN useradd --create-home app && mkdir -p /app/var && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
