# syntax=docker/dockerfile:1
#
# kisystem's workers in containers. Targets:
#   runtime (default)  node:20 on Debian bookworm, with g++ and prlimit: the workflow worker, and a
#                      gpu-worker for CPU-only hosts (LLM calls and C++ tasks; no CUDA tasks).
#   cuda               NVIDIA's CUDA devel image (nvcc) with the same Node.js and the same build: a
#                      gpu-worker that also takes CUDA tasks. Needs the NVIDIA Container Toolkit on
#                      the host and a GPU reservation (docker-compose.yml, service gpu-worker-cuda).
#
#   docker build -t kisystem .                                   # runtime
#   docker build --target cuda -t kisystem:cuda .                # cuda
#   docker build --target cuda --build-arg CUDA_IMAGE=nvidia/cuda:12.8.1-devel-ubuntu22.04 .
#
# See docs/docker.md.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-devel-ubuntu22.04

# ---------------------------------------------------------------------------------------------
# build: all dependencies, TypeScript compiled to dist/
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---------------------------------------------------------------------------------------------
# deps: production dependencies only (the Temporal SDK ships its native core as a prebuilt
# binary for linux-x64/arm64 glibc, so no compiler is needed here)
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# ---------------------------------------------------------------------------------------------
# app: the files a worker needs at run time, gathered once for both run-time targets
FROM ${NODE_IMAGE} AS app
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY config ./config
COPY examples ./examples
# runtime/settings.ts finds the project root as the folder holding package.json and policy/.
COPY policy ./policy

# ---------------------------------------------------------------------------------------------
# cuda: gpu-worker with nvcc (CUDA tasks). Node.js is the official linux binary of the same
# node:20 image as above (built against glibc 2.28, so it runs on Ubuntu 22.04's glibc 2.35), which
# keeps both targets on one Node version without a third-party apt repository. The alternative is
# NodeSource's deb repository (deb.nodesource.com, node_20.x); see docs/docker.md.
FROM ${CUDA_IMAGE} AS cuda
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ make util-linux tini ca-certificates bubblewrap \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --user-group --shell /bin/bash kisystem \
 && mkdir -p /data \
 && chown kisystem:kisystem /data
COPY --from=app /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=app /app /app
# The CUDA image already puts /usr/local/cuda/bin (nvcc) on PATH and asks the NVIDIA runtime for the
# compute and utility driver capabilities (nvidia-smi is mounted from the host driver).
ENV NODE_ENV=production \
    PATH=/app/bin:$PATH \
    KISYSTEM_CONFIG=/app/config/optimization_config.json \
    KISYSTEM_DATA_DIR=/data
RUN node --version && nvcc --version && g++ --version && prlimit --version
USER kisystem
VOLUME ["/data"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/workers/gpu-worker.js"]

# ---------------------------------------------------------------------------------------------
# runtime: CPU-only workers. The last stage, so the default target of a plain `docker build`.
FROM ${NODE_IMAGE} AS runtime
# g++/make: builds of C++ candidates; util-linux: prlimit (sandbox limits of generated code);
# tini: PID 1 that forwards signals and reaps the processes that generated code leaves behind.
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ make util-linux tini ca-certificates bubblewrap \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data \
 && chown node:node /data
WORKDIR /app
COPY --from=app /app /app
ENV NODE_ENV=production \
    PATH=/app/bin:$PATH \
    KISYSTEM_CONFIG=/app/config/optimization_config.json \
    KISYSTEM_DATA_DIR=/data
# Generated code is built and run by this user, never by root.
USER node
VOLUME ["/data"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/workers/workflow-worker.js"]
