# syntax=docker/dockerfile:1
# One image for every briefwire process: `start` (API + workers), `api`, `worker`.
# Built once (`npm run build` -> dist/) and run by bare Node: no TypeScript loader in production.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY cli ./cli
COPY src ./src
COPY workers ./workers
COPY templates ./templates
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
# The dev outbox (used only when SMTP_URL is unset) must be writable by the app user.
RUN mkdir -p /app/outbox && chown node:node /app/outbox
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The worker's V8 heap (as docker-compose.yml's worker, and `npm run start:prod`): 4 MB
# semi-spaces instead of 16, and an old-space limit of 256 MB, which also makes V8
# collect the old generation early rather than letting a sending worker's garbage
# grow to ~150 MB first (bench/ case 2 runs the worker with the compose file's flags).
CMD ["node", "--max-semi-space-size=4", "--max-old-space-size=256", "dist/cli/briefwire.js", "start"]
