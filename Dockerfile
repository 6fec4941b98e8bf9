# syntax=docker/dockerfile:1
# LUNA: build with the full dependency tree, run with production dependencies only, as the non-root `node` user.
# Node 20 to match the machines we run on (package.json engines: >=20.19; .npmrc has engine-strict).

FROM node:20-bookworm-slim AS build
WORKDIR /app
# No install scripts: none of our dependencies need one to build or run (the only ones, esbuild for tsx and the
# optional msgpackr-extract, ship prebuilt binaries as optional packages), and npm 11 skips them by default anyway.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY personas ./personas
# The picture renderer loads only the fonts shipped here (journey maps, the App Home chart).
COPY assets ./assets
USER node
EXPOSE 3000
# Slim images have no curl; Node 20's fetch does the job. PORT is read at check time, so overriding it still works.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || '3000') + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
