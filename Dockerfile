FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .
COPY . .
# collectstatic needs settings that load; the real keys come from the environment.
RUN DEBUG=0 SECRET_KEY=collectstatic-only \
    FIELD_ENCRYPTION_KEY=Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLXJlYWwta3k= \
    python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 crm && mkdir -p /app/var && chown -R crm /app/var
USER crm
EXPOSE 8000
CMD ["gunicorn", "empathy_crm.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
