# The stationwatch collector image (docker-compose.yml builds it). Two stages: build with the dev
# dependencies (tsc), then run with production dependencies only. test/unit/compose-dockerfile.test.ts
# runs these same steps natively (no container engine needed), so this recipe cannot rot unnoticed.
FROM node:24-bookworm-slim AS build
# Native modules (better-sqlite3) compile here when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY cli cli
COPY common common
COPY protocol protocol
COPY agent agent
COPY collector collector
COPY alerts alerts
COPY dashboards dashboards
COPY tools tools
COPY web web
# state/: an empty directory that becomes the node user's state directory in the final image.
RUN npm run build && npm prune --omit=dev && mkdir -p state

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# The collector serves the runbooks that alerts link to.
COPY docs docs
# Owned by node so the collector-data volume mounted here is writable (stateDir in collector.yaml).
COPY --from=build --chown=node:node /app/state /var/lib/stationwatch-collector
USER node
EXPOSE 9847
CMD ["node", "dist/cli/stationwatch.js", "collector", "--config", "/etc/stationwatch/collector.yaml"]
