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
EXPOSE 8000
# The CA of --tls is written here; mount it (or share the volume) to let the app container trust it.
VOLUME ["/certs"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["python", "-c", "import ssl, urllib.request, os; u = ('https' if os.environ.get('FAKEGRAPH_TLS') else 'http') + '://localhost:8000/_fakegraph/health'; urllib.request.urlopen(u, timeout=2, context=ssl._create_unverified_context())"]
ENTRYPOINT ["fakegraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
