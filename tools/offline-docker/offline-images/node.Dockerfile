# Offline stand-in for the official node:20-bookworm-slim (built by ../docker-offline-base.sh).
# The build context is prepared by that script: the host's Node 20 binary, npm (and corepack,
# headers) laid out under usr/local/ exactly where the official image has them.
# Not for use on machines that can pull the real image.
FROM debian:bookworm-slim

ARG NODE_VERSION
ENV NODE_VERSION=${NODE_VERSION}

# same user as the official image
RUN groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node

COPY usr/local/ /usr/local/
RUN set -eux; \
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm; \
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx; \
    if [ -d /usr/local/lib/node_modules/corepack ]; then \
      ln -s ../lib/node_modules/corepack/dist/corepack.js /usr/local/bin/corepack; \
    fi; \
    # fails the build if the host binary needs a library this base lacks
    node --version; npm --version

COPY node-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
