# The session-sweeper service compiled to JavaScript, with production dependencies only, run by the unprivileged
# `node` user.
#
#   docker build -t session-sweeper .
#   docker run -e DATABASE_URL=postgres://user:pass@host:5432/aria -p 8000:8000 session-sweeper
#
# DATABASE_URL is required in a container: without it the service would try to start an embedded
# cluster, which the image does not contain. docker-compose.yml wires it to the aria-db service.
#
# Behind a TLS-intercepting proxy, npm needs the proxy's CA. Pass it as a BuildKit secret, so it is
# used by `npm ci` only and never stored in a layer (no secret given: npm uses the public CAs):
#   docker build --secret id=npm_ca,src=/etc/ssl/certs/ca-certificates.crt -t session-sweeper .
#   NPM_CA_FILE=/etc/ssl/certs/ca-certificates.crt docker compose build
ARG NODE_MAJOR=20

# Stage 1: compile the service to JavaScript (npm run build, tsconfig.build.json).
FROM node:${NODE_MAJOR}-bookworm-slim AS build
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY package.json package-lock.json ./
# Only the compiler is needed here: no install scripts (the test tools' native add-ons stay unbuilt).
RUN --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY sql ./sql
COPY migrations ./migrations
RUN npm run build

# Stage 2: production dependencies and the compiled dist/ (with sql/, migrations/ and the page's files), no TypeScript.
FROM node:${NODE_MAJOR}-bookworm-slim
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    HOST=0.0.0.0 \
    PORT=8000
WORKDIR /app

COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# Owned by root and read-only for `node`: the process cannot rewrite its own code or migrations.
COPY --from=build /app/dist ./dist

USER node
EXPOSE 8000
# exec form, node itself as PID 1's child-less process: SIGTERM/SIGINT reach the service's shutdown.
# Migrations: `node dist/src/cli/migrate.js up` (docker-compose.yml's migrate service).
CMD ["node", "dist/src/main.js"]
