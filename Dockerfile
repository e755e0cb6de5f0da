# wxsession's image: `wxsession serve` as a non-root user, /healthz as the health check.
# Migrations are a separate step run once per deploy with the same image and environment:
#   docker compose run --rm migrate        (or: docker run --rm --env-file … IMAGE db upgrade)
# compose.yaml wires both; docs/deployment.md ("Containers") says what was and was not tested.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    WXSESSION_HOST=0.0.0.0 \
    WXSESSION_PORT=8000
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl \
    && rm -rf /wheels \
    && groupadd --system --gid 10001 wxsession \
    && useradd --system --uid 10001 --gid wxsession --home-dir /var/lib/wxsession \
       --create-home --shell /usr/sbin/nologin wxsession
USER wxsession:wxsession
WORKDIR /var/lib/wxsession
EXPOSE 8000
# No curl in a slim image: Python asks /healthz on the port the service listens on.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:%s/healthz' % os.environ.get('WXSESSION_PORT', '8000'); sys.exit(0 if urllib.request.urlopen(url, timeout=2).status == 200 else 1)"]
ENTRYPOINT ["wxsession"]
CMD ["serve"]
