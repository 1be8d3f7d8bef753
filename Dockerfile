# The babelshop worker (and CLI) image: offline models from packages, dictionaries from Debian.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      wordnet-base dict-freedict-deu-eng dict-freedict-fra-eng dict-freedict-spa-eng dict-freedict-ita-eng \
      dict-freedict-jpn-eng dict-freedict-eng-deu dict-freedict-eng-fra dict-freedict-eng-spa \
      dict-freedict-eng-ita dict-freedict-eng-jpn dict-freedict-fra-deu dict-freedict-deu-fra \
      dict-freedict-spa-deu dict-freedict-deu-spa \
 && rm -rf /var/lib/apt/lists/*

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
