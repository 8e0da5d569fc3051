# syntax=docker/dockerfile:1
# One image for both processes: the API (default command) and the worker (`node dist/worker/main.js`).
# glibc base: the Temporal SDK's native bridge ships prebuilt for linux-gnu only. Pinned by version and digest.

FROM node:20.20.2-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY contracts ./contracts
COPY lib ./lib
COPY activities ./activities
COPY integrations ./integrations
COPY provisioning ./provisioning
COPY workflows ./workflows
COPY worker ./worker
COPY api ./api
COPY scripts/copy-build-assets.mjs scripts/build-workflow-bundle.ts ./scripts/
# tsc to dist/ (non-TS assets such as erp.wsdl copied beside the code), then the prebuilt workflow bundle.
RUN npm run build && npm run build:bundle

FROM node:20.20.2-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20.20.2-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
# Owned by root and read-only for the service user: the process cannot rewrite its own code.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
# API, worker metrics, Temporal SDK metrics.
EXPOSE 3000 9464 9465
CMD ["node", "dist/api/server.js"]
