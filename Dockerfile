# The babelshop worker (and CLI) image: offline models from packages, dictionaries from Debian.
FROM python:3.11-slim-bookworm

# The dictionaries are the language registry's (into and out of English, and the bridges): it
# imports only the standard library, so it lists them before the project is installed.
COPY languages/__init__.py languages/registry.py /tmp/registry/languages/
RUN packages=$(cd /tmp/registry && python -c "from languages.registry import debian_packages; print(' '.join(debian_packages()))") \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wordnet-base $packages \
 && rm -rf /var/lib/apt/lists/* /tmp/registry

RUN useradd --create-home --uid 10001 babelshop && mkdir -p /var/cache/babelshop && chown babelshop /var/cache/babelshop
WORKDIR /app
COPY pyproject.toml README.md ./
COPY babelshop babelshop
COPY common common
COPY languages languages
COPY translation translation
COPY encoders encoders
COPY modeltools modeltools
COPY evaluation evaluation
COPY training training
COPY benchmarks benchmarks
COPY service service
COPY indexer indexer
COPY query_rewriter query_rewriter
COPY mappings mappings
COPY engine engine
COPY dashboards dashboards
# The production-model extras (torch, transformers) are large: add them with --build-arg EXTRAS=models.
ARG EXTRAS=""
RUN pip install --no-cache-dir ".${EXTRAS:+[$EXTRAS]}"

USER babelshop
ENV BABELSHOP_CACHE_DIR=/var/cache/babelshop
CMD ["babelshop", "worker"]
