# Lumen, hosted: public mode, CPU-only torch, the demo prepared at build time.
#
#   docker build -t lumen .
#   docker run -p 8501:8501 lumen          # then open http://localhost:8501
#
# The steps are the scripts in deploy/, which CI runs in a fresh virtual
# environment (tests/e2e/test_deploy_scripts.py).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Hugging Face Spaces runs containers as UID 1000; so does this image.
RUN useradd --create-home --uid 1000 user

# Root installs into the image's Python; the app's code stays read-only to the
# server's user. Dependencies first, so that a code change reuses this layer.
COPY requirements.txt /opt/lumen/requirements.txt
COPY deploy/install.sh /opt/lumen/deploy/install.sh
RUN PYTHON=python /opt/lumen/deploy/install.sh --deps-only /opt/lumen
COPY . /opt/lumen
RUN PYTHON=python /opt/lumen/deploy/install.sh /opt/lumen \
    && rm -rf /opt/lumen/build /opt/lumen/*.egg-info

USER user
WORKDIR /home/user
# PORT: 8501 here; set a Space variable PORT=7860 on Hugging Face Spaces (it
# reaches the build as this ARG and the container as the variable).
ARG PORT=8501
ENV HOME=/home/user \
    PYTHON=python \
    PORT=${PORT} \
    LUMEN_PUBLIC=1 \
    LUMEN_CACHE_DIR=/home/user/.cache/lumen \
    NUMBA_CACHE_DIR=/home/user/.cache/lumen/numba
# The demo's data, fine-tuned model, predictions and projections, and UMAP's
# compiled code, in the cache the server reads (minutes of CPU, once).
RUN /opt/lumen/deploy/prepare.sh

EXPOSE ${PORT}
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "/opt/lumen/deploy/healthcheck.py"]
CMD ["/opt/lumen/deploy/start.sh"]
