# mxdir: the publisher. Build context: the repository root (docker/compose.yaml does this):
#   docker build -f docker/mxdir.Dockerfile -t mxdir .
# Run: docker run --rm -v /etc/mxdir:/etc/mxdir:ro -e MXDIR_BIND_PASSWORD mxdir sync -c /etc/mxdir/mxdir.yaml

FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# better-sqlite3 is compiled (or its prebuilt binary fetched) here, where the build tools are.
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:20-bookworm-slim
# postmap (postfix, postfix-ldap) lets `mxdir verify` look keys up exactly as Postfix does; the
# Postfix daemons are never configured or started in this image.
RUN echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postfix postfix-ldap ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json config.example.yaml ./
COPY schema ./schema
USER node
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
CMD ["--help"]
