# fakegraph as a container: the fake Graph on port 8000 of all interfaces, as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY fakegraph ./fakegraph
COPY schemas ./schemas
COPY fixtures ./fixtures
RUN pip install . && useradd --create-home --uid 10001 fakegraph && mkdir -p /certs && chown fakegraph /certs

USER fakegraph
# `fakegraph serve` reads every flag from FAKEGRAPH_<FLAG>: override these with `docker run -e` (or compose's
# environment) rather than with arguments. INFO logs one access line per request (the fakegraph.access logger).
ENV FAKEGRAPH_HOST=0.0.0.0 FAKEGRAPH_PORT=8000 FAKEGRAPH_LOG_LEVEL=INFO
EXPOSE 8000
# The CA of --tls is written here; mount it (or share the volume) to let the app container trust it.
VOLUME ["/certs"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["python", "-m", "fakegraph.healthcheck"]
# No --host/--port here: they would win over FAKEGRAPH_HOST/FAKEGRAPH_PORT. The health check reads the same
# variables (scheme from FAKEGRAPH_TLS's truth value, port from FAKEGRAPH_PORT).
ENTRYPOINT ["fakegraph", "serve"]
