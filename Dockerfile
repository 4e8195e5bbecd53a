# The Resident Index code location: the definitions served by a Dagster code server on port 4000, for a
# webserver and daemon elsewhere (docs/scaling.md shows the workspace entry and the instance they share).
#
#   docker build -t resident-index .
#   docker run -p 4000:4000 -v /srv/resident-index:/data resident-index
#
# The build reaches only PyPI (uv itself, then the locked packages and the hatchling build backend). The
# environment is exactly uv.lock's, without the dev group, on the image's own Python 3.11 (uv is told never
# to download one).
FROM python:3.11-slim

ARG UV_VERSION=0.13.8
RUN pip install --no-cache-dir "uv==${UV_VERSION}"

ENV UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    PYTHONUNBUFFERED=1

WORKDIR /opt/resident-index

# the locked third-party packages first: this layer is rebuilt only when uv.lock or pyproject.toml change
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

# then the project itself (editable, as `make setup` installs it: the code finds dagster.yaml,
# workspace.yaml and the bundled council folder beside itself)
COPY dagster.yaml workspace.yaml ./
COPY resident_index ./resident_index
RUN uv sync --frozen --no-dev

# Everything the index writes goes to /data (mount a volume): extracts, gazetteer, warehouse, exports, models,
# and with the default SQLite instance storage the run history (dagster.yaml's relative data/dagster). The
# index runs as an unprivileged account and writes its files 0600 (RESIDENT_INDEX_UMASK).
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin resident \
    && install -d -m 0700 -o resident -g resident /data \
    && ln -s /data /opt/resident-index/data
ENV PATH=/opt/resident-index/.venv/bin:$PATH \
    DAGSTER_HOME=/opt/resident-index \
    RESIDENT_INDEX_DATA_DIR=/data \
    GX_ANALYTICS_ENABLED=False
VOLUME ["/data"]
USER resident

EXPOSE 4000
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s \
    CMD ["dagster", "api", "grpc-health-check", "--port", "4000"]
# RESIDENT_INDEX_DAGSTER_STORAGE=postgres and the PG* variables, set on the container, put run history on
# PostgreSQL; runs this server launches inherit them. `docker run ... resident-index resident-index run`
# builds once without a webserver.
CMD ["dagster", "code-server", "start", "--host", "0.0.0.0", "--port", "4000", \
     "--module-name", "resident_index.definitions", "--working-directory", "/opt/resident-index", \
     "--location-name", "resident_index"]
